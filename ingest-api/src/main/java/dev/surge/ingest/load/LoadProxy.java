package dev.surge.ingest.load;

import dev.surge.common.http.JsonResponses;
import dev.surge.common.http.Problem;
import io.javalin.http.Context;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Passes {@code GET /load} and {@code GET /load/{key}} through to counter-streams, so clients need only the API's
 * port. Any counter-streams instance can answer any query (it forwards to the owner itself); when one does not
 * answer, the next is tried. Answers, including 503 + Retry-After, are passed on as they are.
 */
public final class LoadProxy {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private final List<URI> counters;
    private final AtomicInteger next = new AtomicInteger();
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();

    public LoadProxy(List<URI> counters) {
        if (counters.isEmpty()) {
            throw new IllegalArgumentException("at least one counter-streams URL is needed");
        }
        this.counters = List.copyOf(counters);
    }

    public void forward(Context ctx) {
        String pathAndQuery = ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
        int first = Math.floorMod(next.getAndIncrement(), counters.size());
        ctx.future(() -> attempt(pathAndQuery, first, 0).thenAccept(response -> {
            if (response == null) {
                JsonResponses.problem(ctx, Problem.of(503, "counter-streams-unavailable", "Load not available now",
                        "No counter-streams instance answered"), Map.of("Retry-After", "1"));
                return;
            }
            response.headers().firstValue("Retry-After").ifPresent(value -> ctx.header("Retry-After", value));
            ctx.status(response.statusCode())
                    .contentType(response.headers().firstValue("Content-Type").orElse("application/json"))
                    .result(response.body());
        }));
    }

    private CompletableFuture<HttpResponse<byte[]>> attempt(String pathAndQuery, int first, int tried) {
        if (tried == counters.size()) {
            return CompletableFuture.completedFuture(null);
        }
        URI base = counters.get((first + tried) % counters.size());
        HttpRequest request = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(TIMEOUT).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .handle((response, failure) -> failure == null
                        ? CompletableFuture.completedFuture(response)
                        : attempt(pathAndQuery, first, tried + 1))
                .thenCompose(next -> next);
    }
}
