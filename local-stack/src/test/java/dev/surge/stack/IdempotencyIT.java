package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.surge.ingest.IngestServer;
import dev.surge.testkit.TestKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An {@code Idempotency-Key} retry end to end on a real broker: counter-streams deduplicates in the counting task,
 * so a retry is not counted again and gets the first count back, whichever ingest-api instance it reaches.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdempotencyIT {
    private static final int PARTITIONS = 4;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private TestKafka kafka;
    private InProcessSurge.Pipeline pipeline;
    private IngestServer first;
    private IngestServer second;

    @BeforeAll
    void startPipeline() throws Exception {
        kafka = TestKafka.start();
        pipeline = InProcessSurge.Pipeline.start(kafka.bootstrapServers(), "idempotency-it", PARTITIONS, Map.of());
        first = pipeline.first();
        second = pipeline.second();
    }

    @AfterAll
    void stopPipeline() throws Exception {
        pipeline.close();
        kafka.close();
    }

    private HttpResponse<String> post(IngestServer api, String pathAndQuery, String key, String idempotencyKey)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + api.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\"}"));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return Http.JSON.readTree(response.body());
    }

    private String metrics(IngestServer api) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void shouldAnswerARetryThroughTheOtherInstanceWithTheFirstCountAndCountItOnce() throws Exception {
        HttpResponse<String> attempt = post(first, "/simulate", "idem-retry", "order-1");
        HttpResponse<String> retry = post(second, "/simulate", "idem-retry", "order-1");
        HttpResponse<String> next = post(first, "/simulate", "idem-retry", null);

        assertThat(attempt.statusCode()).isEqualTo(200);
        assertThat(json(attempt).get("load").asLong()).isEqualTo(1);
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(json(retry).get("load").asLong()).isEqualTo(1);
        assertThat(json(retry).get("duplicate").asBoolean()).isTrue();
        assertThat(json(retry).get("id").asText()).isNotEqualTo(json(attempt).get("id").asText());
        assertThat(json(next).get("load").asLong()).as("the retry was not counted").isEqualTo(2);
        assertThat(metrics(second)).contains("surge_events_total{client=\"anonymous\",outcome=\"duplicate\"} 1.0");
    }

    @Test
    void shouldAnswerARetryWithTheCountWhenTheFirstAttemptEndedBeforeItsCountArrived() throws Exception {
        // ack=durable answers once Kafka has the event, like a first attempt cut off after the write.
        HttpResponse<String> attempt = post(first, "/simulate?ack=durable", "idem-cut", "order-2");
        HttpResponse<String> retry = post(second, "/simulate", "idem-cut", "order-2");
        HttpResponse<String> next = post(second, "/simulate", "idem-cut", null);

        assertThat(attempt.statusCode()).isEqualTo(202);
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(json(retry).get("load").asLong()).isEqualTo(1);
        assertThat(json(retry).get("duplicate").asBoolean()).isTrue();
        assertThat(json(next).get("load").asLong()).isEqualTo(2);
    }

    @Test
    void shouldCountTheSameIdempotencyKeyOnceForEachLoadKey() throws Exception {
        HttpResponse<String> onA = post(first, "/simulate", "idem-a", "order-3");
        HttpResponse<String> onB = post(second, "/simulate", "idem-b", "order-3");

        assertThat(json(onA).get("load").asLong()).isEqualTo(1);
        assertThat(json(onB).get("load").asLong()).isEqualTo(1);
        assertThat(json(onB).has("duplicate")).isFalse();
    }
}
