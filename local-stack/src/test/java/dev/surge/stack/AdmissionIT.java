package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.surge.common.config.Settings;
import dev.surge.ingest.IngestConfig;
import dev.surge.ingest.IngestServer;
import dev.surge.kafka.embedded.EmbeddedKafkaBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Kafka circuit breaker on a real broker that is stopped and started again. The broker is this test's own
 * embedded one (never an external cluster), on fixed ports and a kept log directory, so it can come back as the
 * same cluster. Requests use {@code ack=durable}: this is about Kafka writes, counter-streams is not running.
 */
class AdmissionIT {
    private static final Duration PRODUCE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration BREAKER_OPEN = Duration.ofSeconds(1);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Path logDir;
    private EmbeddedKafkaBroker broker;
    private IngestServer api;

    @AfterEach
    void stop() throws Exception {
        if (api != null) {
            api.close();
        }
        if (broker != null) {
            broker.close();
        }
        try (Stream<Path> paths = Files.walk(logDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    private record Timed(int status, String retryAfter, Duration took) {
    }

    private CompletableFuture<Timed> post() {
        long started = System.nanoTime();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port()
                        + "/simulate?ack=durable"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"breaker\"}"))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenApply(response -> new Timed(
                response.statusCode(), response.headers().firstValue("Retry-After").orElse(null),
                Duration.ofNanos(System.nanoTime() - started)));
    }

    @Test
    void shouldAnswer504WithinTheProduceTimeoutThen503AtOnceWhileTheBrokerIsDownAndRecoverWhenItIsBack()
            throws Exception {
        logDir = Files.createTempDirectory("surge-admission-it");
        int port = Http.freePort();
        int controllerPort = Http.freePort();
        broker = EmbeddedKafkaBroker.start(logDir, port, controllerPort, Map.of());
        api = IngestServer.start(IngestConfig.from(new Settings(Map.of(
                "kafka.bootstrap.servers", broker.bootstrapServers(),
                "load.events.partitions", "2",
                "ack.partitions", "2",
                "http.port", "0",
                "produce.timeout", PRODUCE_TIMEOUT.toMillis() + "ms",
                "breaker.open.duration", BREAKER_OPEN.toMillis() + "ms",
                "ack.group.id", "surge-ingest-acks-admission-it"))));
        assertThat(post().join().status()).isEqualTo(202);

        broker.close();
        broker = null;

        // Enough concurrent writes to trip the breaker: each fails by the produce timeout.
        List<CompletableFuture<Timed>> failing = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            failing.add(post());
        }
        List<Timed> failed = failing.stream().map(CompletableFuture::join).toList();
        assertThat(failed).allSatisfy(answer -> {
            // 504: the write was tried and not confirmed (it may be in the log); 503 once the breaker refuses it
            assertThat(answer.status()).isIn(503, 504);
            assertThat(answer.retryAfter()).isNotNull();
            assertThat(answer.took()).isLessThan(PRODUCE_TIMEOUT.plusSeconds(2));
        });

        List<Timed> refused = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            refused.add(post().join());
        }
        assertThat(refused).allSatisfy(answer -> {
            assertThat(answer.status()).isEqualTo(503);
            assertThat(answer.retryAfter()).isNotNull();
            assertThat(answer.took()).isLessThan(PRODUCE_TIMEOUT);
        });
        assertThat(refused.stream().map(Timed::took).sorted().toList().get(refused.size() / 2))
                .as("median answer while the breaker is open").isLessThan(Duration.ofMillis(100));
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> readyStatus() == 503);

        broker = EmbeddedKafkaBroker.start(logDir, port, controllerPort, Map.of());

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> post().join().status() == 202);
        for (int i = 0; i < 5; i++) {
            assertThat(post().join().status()).isEqualTo(202);
        }
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> readyStatus() == 200);
        assertThat(metrics()).contains(
                "resilience4j_circuitbreaker_state{name=\"kafka-publish\",state=\"closed\"} 1.0");
    }

    private int readyStatus() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/health/ready")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String metrics() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
