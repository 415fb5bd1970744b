package dev.surge.loadgen;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The run's HTTP client: Jetty's asynchronous client over HTTP/1.1 keep-alive connections, at most one request per
 * connection, as many connections as the run may have requests in flight. Every request carries the API key when
 * there is one; nothing here waits on a thread.
 */
final class HttpTarget implements AutoCloseable {
    /** Largest answer kept: a batch of 1,000 results is about 100 KB. */
    private static final int MAX_ANSWER_BYTES = 4 << 20;

    /** An answer (status, body, Retry-After header) or a failure (no answer: timeout, connection lost). */
    record Answer(int status, byte[] body, String retryAfter, Throwable failure) {
        boolean failed() {
            return failure != null;
        }
    }

    interface Callback {
        void answered(Answer answer);
    }

    private final URI target;
    private final HttpClient client;
    private final String authorization;
    private final long timeoutMillis;

    HttpTarget(Scenario scenario) {
        this.target = scenario.target();
        this.authorization = scenario.apiKey().map(ApiKey::authorization).orElse(null);
        this.timeoutMillis = scenario.timeout().toMillis();
        QueuedThreadPool threads = new QueuedThreadPool(Integer.getInteger("spike.threads", 64));
        threads.setName("spike-http");
        threads.setDaemon(true);
        ClientConnector connector = new ClientConnector();
        connector.setSelectors(1);
        connector.setTCPNoDelay(true);
        connector.setExecutor(threads);
        HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(connector);
        // answers are handled without blocking (counters, a histogram, a parse): on the selector thread, no handoff
        transport.setInvocationType(Invocable.InvocationType.NON_BLOCKING);
        client = new HttpClient(transport);
        client.setExecutor(threads);
        client.setMaxConnectionsPerDestination(scenario.maxInFlight());
        client.setMaxRequestsQueuedPerDestination(scenario.maxInFlight() + 1024);
        client.setFollowRedirects(false);
        client.setIdleTimeout(20_000);
        client.setConnectTimeout(5_000);
        client.setUserAgentField(null);
        // per-request work a load generator does not need: a cookie store lookup, Accept-Encoding and decoders
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.getContentDecoderFactories().clear();
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the HTTP client: " + e, e);
        }
    }

    /** The URI of {@code pathAndQuery} on the target, parsed once: a run posts to one URI. */
    URI uri(String pathAndQuery) {
        return target.resolve(pathAndQuery);
    }

    /** POSTs {@code json} to {@code uri}; {@code callback} gets the answer on one of the client's threads. */
    void post(URI uri, byte[] json, String idempotencyKey, Callback callback) {
        Request request = client.newRequest(uri)
                .method(HttpMethod.POST)
                .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .body(new BytesRequestContent("application/json", json));
        request.headers(headers -> {
            if (authorization != null) {
                headers.put(HttpHeader.AUTHORIZATION, authorization);
            }
            if (idempotencyKey != null) {
                headers.put("Idempotency-Key", idempotencyKey);
            }
        });
        request.send(listener(callback));
    }

    /** GETs {@code path}; the future completes with the answer or the failure, never exceptionally. */
    CompletableFuture<Answer> get(String path) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        Request request = client.newRequest(target.resolve(path)).method(HttpMethod.GET)
                .timeout(timeoutMillis, TimeUnit.MILLISECONDS);
        if (authorization != null) {
            request.headers(headers -> headers.put(HttpHeader.AUTHORIZATION, authorization));
        }
        request.send(listener(answer::complete));
        return answer;
    }

    private static BufferingResponseListener listener(Callback callback) {
        return new BufferingResponseListener(MAX_ANSWER_BYTES) {
            @Override
            public void onComplete(Result result) {
                if (result.isFailed()) {
                    callback.answered(new Answer(0, null, null, result.getFailure()));
                } else {
                    callback.answered(new Answer(result.getResponse().getStatus(), getContent(),
                            result.getResponse().getHeaders().get(HttpHeader.RETRY_AFTER), null));
                }
            }
        };
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the HTTP client: " + e, e);
        }
    }
}
