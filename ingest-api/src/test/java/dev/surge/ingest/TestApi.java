package dev.surge.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.surge.common.serde.JsonSerde;
import dev.surge.ingest.admission.AdmissionConfig;
import dev.surge.ingest.admission.AdmissionControl;
import dev.surge.ingest.load.LoadProxy;
import dev.surge.ingest.publish.CircuitBreakingPublisher;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link IngestApp} on port 0 wired as {@link IngestServer} wires it (admission control, circuit breaker around
 * the publisher), on fake Kafka and fake time.
 */
final class TestApi implements AutoCloseable {
    static final Duration PRODUCE_TIMEOUT = Duration.ofSeconds(2);
    static final Duration BREAKER_OPEN = Duration.ofSeconds(2);

    final FakeKafka.Publisher publisher = new FakeKafka.Publisher();
    final FakeKafka.Inbox inbox = new FakeKafka.Inbox();
    final FakeTime time = new FakeTime();
    final AtomicLong counts = new AtomicLong();
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final CircuitBreakingPublisher breaker;
    final AdmissionControl admission;
    final IngestApp app;
    private final LoadProxy loads = new LoadProxy(List.of(URI.create("http://127.0.0.1:1")));
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    TestApi(AdmissionConfig config) {
        this(config, PRODUCE_TIMEOUT, Duration.ofMillis(300));
    }

    TestApi(AdmissionConfig config, Duration produceTimeout, Duration ackTimeout) {
        publisher.inbox = inbox;
        inbox.counter = event -> counts.incrementAndGet();
        breaker = CircuitBreakingPublisher.create(publisher, produceTimeout, BREAKER_OPEN, time, registry);
        admission = new AdmissionControl(config, time.nanoTime(), registry);
        // No counter-streams behind this API: /load answers 503 (see LoadProxy). Kafka counts as reachable.
        app = new IngestApp("ingest-test", breaker, inbox, ackTimeout, loads,
                registry, admission, () -> true).start("127.0.0.1", 0);
    }

    HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(30));
    }

    /** {@code POST}, with {@code body} as {@code application/json}, or without a body when it is null. */
    HttpRequest.Builder postRequest(String pathAndQuery, String body) {
        if (body == null) {
            return request(pathAndQuery).POST(HttpRequest.BodyPublishers.noBody());
        }
        return request(pathAndQuery).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest.Builder request) {
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String pathAndQuery, String body, String... headers) {
        HttpRequest.Builder request = postRequest(pathAndQuery, body);
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request);
    }

    /**
     * Sends {@code POST path} with {@code headerBytes} (complete header lines, CRLF-terminated) exactly as given,
     * over a raw socket: for bytes an HTTP client library would rewrite. Returns the status code.
     */
    int rawPost(String path, byte[] headerBytes) {
        try (Socket socket = new Socket("127.0.0.1", app.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(headerBytes);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1)).readLine();
            return Integer.parseInt(statusLine.split(" ")[1]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One CRLF-terminated line, byte by byte so nothing after it is consumed; null at the end of the stream. */
    static String readLine(java.io.InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return line.length() == 0 ? null : line.toString();
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /** The value of one Prometheus sample, e.g. {@code surge_events_total{client="anonymous",outcome="invalid"}}. */
    double metric(String sample) {
        return registry.scrape().lines()
                .filter(line -> line.startsWith(sample + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(sample.length() + 1)))
                .findFirst().orElse(0);
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JsonSerde.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("Not JSON: " + response.body(), e);
        }
    }

    @Override
    public void close() {
        app.stop();
        loads.close();
        registry.close();
    }
}
