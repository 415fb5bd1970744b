package dev.surge.ingest.load;

import dev.surge.common.http.JsonResponses;
import dev.surge.common.http.Problem;
import io.javalin.http.Context;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * Passes {@code GET /load} and {@code GET /load/{key}} through to counter-streams, so clients need only the API's
 * port. Any counter-streams instance can answer any query (it forwards to the owner itself); when one does not
 * answer, the next is tried. Answers, including 503 + Retry-After, are passed on as they are.
 *
 * <p>Jetty's HTTP client, the one that matches the server Javalin runs on: the JDK's {@code HttpClient} hands each
 * exchange between its selector thread and its executor several times, and through this proxy {@code GET
 * /load/{key}} reached about a sixth of what counter-streams answers directly (BENCHMARKS.md, Query latency).
 */
public final class LoadProxy implements AutoCloseable {
    private static final long TIMEOUT_MS = 5_000;
    private final List<URI> counters;
    private final AtomicInteger next = new AtomicInteger();
    private final HttpClient http = new HttpClient();

    public LoadProxy(List<URI> counters) {
        if (counters.isEmpty()) {
            throw new IllegalArgumentException("at least one counter-streams URL is needed");
        }
        this.counters = List.copyOf(counters);
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("load-proxy");
        threads.setDaemon(true);
        http.setExecutor(threads);
        http.setScheduler(new ScheduledExecutorScheduler("load-proxy-scheduler", true));
        http.setConnectTimeout(1_000);
        http.setFollowRedirects(false);
        http.setMaxConnectionsPerDestination(1_024);
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the HTTP client for counter-streams queries", e);
        }
    }

    public void forward(Context ctx) {
        String pathAndQuery = ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
        int first = Math.floorMod(next.getAndIncrement(), counters.size());
        ctx.future(() -> attempt(pathAndQuery, first, 0, TIMEOUT_MS).thenAccept(response -> {
            if (response == null) {
                JsonResponses.problem(ctx, Problem.of(503, "counter-streams-unavailable", "Load not available now",
                        "No counter-streams instance answered"), Map.of("Retry-After", "1"));
                return;
            }
            String retryAfter = response.getHeaders().get(HttpHeader.RETRY_AFTER);
            if (retryAfter != null) {
                ctx.header("Retry-After", retryAfter);
            }
            String type = response.getHeaders().get(HttpHeader.CONTENT_TYPE);
            ctx.status(response.getStatus())
                    .contentType(type == null ? "application/json" : type)
                    .result(response.getContent());
        }));
    }

    /**
     * {@code GET pathAndQuery} of the first counter-streams instance to answer within {@code timeoutMs} (any status),
     * trying each in turn; completes with null when none answered.
     */
    public CompletableFuture<ContentResponse> get(String pathAndQuery, long timeoutMs) {
        return attempt(pathAndQuery, Math.floorMod(next.getAndIncrement(), counters.size()), 0, timeoutMs);
    }

    /** The counter-streams instances this proxy asks. */
    public List<URI> counters() {
        return counters;
    }

    private CompletableFuture<ContentResponse> attempt(String pathAndQuery, int first, int tried, long timeoutMs) {
        if (tried == counters.size()) {
            return CompletableFuture.completedFuture(null);
        }
        URI base = counters.get((first + tried) % counters.size());
        return new CompletableResponseListener(http.newRequest(base.resolve(pathAndQuery))
                .timeout(timeoutMs, TimeUnit.MILLISECONDS)).send()
                .handle((response, failure) -> failure == null
                        ? CompletableFuture.completedFuture(response)
                        : attempt(pathAndQuery, first, tried + 1, timeoutMs))
                .thenCompose(answer -> answer);
    }

    /** Closes the connections to counter-streams; after {@link dev.surge.ingest.IngestApp} has stopped. */
    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the HTTP client for counter-streams queries", e);
        }
    }
}
