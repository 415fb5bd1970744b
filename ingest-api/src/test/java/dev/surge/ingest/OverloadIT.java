package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.surge.common.config.Settings;
import dev.surge.testkit.TestKafkaExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * On a real broker, ingest-api as {@link IngestServer} wires it: past the in-flight limit every request is refused
 * with 503 + Retry-After and nothing of it reaches Kafka; the admitted ones are written; once they are answered,
 * requests are admitted again. No counter-streams runs, so an admitted {@code ack=count} request holds its permit
 * until the ack timeout and is then answered 202 (written, not counted): that is what fills the limit here.
 */
class OverloadIT {
    private static final int LIMIT = 4;
    @RegisterExtension
    static final TestKafkaExtension KAFKA = new TestKafkaExtension();

    @Test
    void shouldRefuseEverythingPastTheLimitWithoutWritingItAndAdmitAgainOnceAnswered() throws Exception {
        Map<String, String> settings = Map.of(
                "kafka.bootstrap.servers", KAFKA.bootstrapServers(),
                "http.port", "0",
                "ack.timeout", "10s",
                "ack.group.id", "overload-it",
                "min.in.flight", Integer.toString(LIMIT),
                "max.in.flight", Integer.toString(LIMIT));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (IngestServer server = IngestServer.start(IngestConfig.from(new Settings(settings)))) {
            URI simulate = URI.create("http://127.0.0.1:" + server.port() + "/simulate");
            // Ready = the ack consumer reads its reply partitions: before, an ack=count request is answered 202 as
            // soon as it is written (there is no count to wait for) and holds no permit.
            await().atMost(Duration.ofSeconds(60)).until(() -> http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
            List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
            for (int i = 0; i < LIMIT; i++) {
                held.add(http.sendAsync(post(simulate, "held-" + i), HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(held).as("held requests answered early").noneMatch(CompletableFuture::isDone);
                assertThat(metric(http, server, "surge_requests_in_flight")).isEqualTo(LIMIT);
            });

            // All at once, each on a connection of its own: a refused connection is not read again until its
            // Retry-After has passed, so requests sent one after the other on it would wait out the held ones.
            List<CompletableFuture<HttpResponse<String>>> refusing = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                refusing.add(http.sendAsync(post(simulate, "refused-" + i), HttpResponse.BodyHandlers.ofString()));
            }
            List<HttpResponse<String>> refused = refusing.stream().map(CompletableFuture::join).toList();

            assertThat(refused).allSatisfy(response -> {
                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(response.headers().firstValue("Retry-After").map(Long::parseLong)).hasValueSatisfying(
                        seconds -> assertThat(seconds).isBetween(1L, 5L));
                assertThat(response.body()).contains("urn:surge:problem:overloaded");
            });
            assertThat(held).allSatisfy(response -> assertThat(response.join().statusCode()).isEqualTo(202));
            assertThat(writtenEvents()).as("only the admitted requests reached Kafka").isEqualTo(LIMIT);

            await().atMost(Duration.ofSeconds(30)).until(() -> metric(http, server, "surge_requests_in_flight") == 0);
            HttpResponse<String> after = http.send(post(URI.create(simulate + "?ack=durable"), "after"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(after.statusCode()).isEqualTo(202);
            assertThat(writtenEvents()).isEqualTo(LIMIT + 1);
            assertThat(metric(http, server, "surge_admission_shed_total")).isEqualTo(20);
        }
    }

    private static HttpRequest post(URI uri, String key) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\"}")).build();
    }

    private static double metric(HttpClient http, IngestServer server, String name) throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        return text.lines().filter(line -> line.startsWith(name + " ")).mapToDouble(line ->
                Double.parseDouble(line.substring(name.length() + 1))).findFirst().orElse(-1);
    }

    /** Records in load-events: the sum of its partitions' end offsets. */
    private static long writtenEvents() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor("load-events").stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition()))
                    .collect(Collectors.toList());
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
