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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code POST /simulate/batch} end to end on a real broker, two ingest-api instances and counter-streams: every event
 * of every batch counted exactly once with its own running count, retries by idempotency key answered with the
 * first counts, and the counts visible to queries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchIngestIT {
    private static final int PARTITIONS = 4;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private TestKafka kafka;
    private InProcessSurge.Pipeline pipeline;
    private IngestServer first;
    private IngestServer second;

    @BeforeAll
    void startPipeline() throws Exception {
        kafka = TestKafka.start();
        // all 200 batches of 500 at once
        pipeline = InProcessSurge.Pipeline.start(kafka.bootstrapServers(), "batch-it", PARTITIONS,
                Map.of("max.events.in.flight", "200000"));
        first = pipeline.first();
        second = pipeline.second();
    }

    @AfterAll
    void stopPipeline() throws Exception {
        pipeline.close();
        kafka.close();
    }

    private CompletableFuture<HttpResponse<String>> postBatch(IngestServer api, String body) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/simulate/batch"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return Http.JSON.readTree(response.body());
    }

    @Test
    void shouldCountEveryEventOfConcurrentBatchesOnceWithItsOwnRunningCount() throws Exception {
        int batches = 200;
        int events = 500;
        int keys = 50;
        Random random = new Random(17);
        Map<String, Long> sent = new HashMap<>();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        List<List<String>> keysOf = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            List<String> batchKeys = new ArrayList<>(events);
            for (int e = 0; e < events; e++) {
                String key = "batch-" + random.nextInt(keys);
                batchKeys.add(key);
                sent.merge(key, 1L, Long::sum);
            }
            keysOf.add(batchKeys);
            String body = batchKeys.stream().map(key -> "{\"key\":\"" + key + "\"}")
                    .collect(Collectors.joining(",", "[", "]"));
            answers.add(postBatch(b % 2 == 0 ? first : second, body));
        }

        Map<String, Set<Long>> loads = new HashMap<>();
        for (int b = 0; b < batches; b++) {
            HttpResponse<String> answer = answers.get(b).join();
            assertThat(answer.statusCode()).as("batch %d: %s", b, answer.body()).isEqualTo(200);
            JsonNode results = json(answer).get("results");
            assertThat(results).hasSize(events);
            for (int e = 0; e < events; e++) {
                JsonNode result = results.get(e);
                assertThat(result.get("status").asText()).isEqualTo("success");
                assertThat(result.get("key").asText()).isEqualTo(keysOf.get(b).get(e));
                assertThat(loads.computeIfAbsent(result.get("key").asText(), k -> new TreeSet<>())
                        .add(result.get("load").asLong())).as("load %s of %s handed out twice", result.get("load"),
                        result.get("key")).isTrue();
            }
        }
        sent.forEach((key, count) -> assertThat(loads.get(key)).as(key)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, count).boxed().toList()));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (Map.Entry<String, Long> key : sent.entrySet()) {
                JsonNode load = json(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port()
                        + "/load/" + key.getKey())).build(), HttpResponse.BodyHandlers.ofString()));
                assertThat(load.get("load").asLong()).as("query for " + key.getKey()).isEqualTo(key.getValue());
            }
        });
    }

    @Test
    void shouldAnswerABatchRetriedWholeWithEveryEventsFirstCount() throws Exception {
        String body = "[{\"key\":\"retry-a\",\"idempotencyKey\":\"o-1\"},{\"key\":\"retry-b\",\"idempotencyKey\":\"o-2\"},"
                + "{\"key\":\"retry-a\",\"idempotencyKey\":\"o-3\"},{\"key\":\"retry-c\",\"idempotencyKey\":\"o-4\"}]";

        HttpResponse<String> attempt = postBatch(first, body).join();
        HttpResponse<String> retry = postBatch(second, body).join();

        assertThat(attempt.statusCode()).isEqualTo(200);
        assertThat(retry.statusCode()).isEqualTo(200);
        JsonNode firstResults = json(attempt).get("results");
        JsonNode retryResults = json(retry).get("results");
        assertThat(firstResults.findValuesAsText("load")).containsExactly("1", "1", "2", "1");
        for (int i = 0; i < 4; i++) {
            assertThat(retryResults.get(i).get("load").asLong()).isEqualTo(firstResults.get(i).get("load").asLong());
            assertThat(retryResults.get(i).get("duplicate").asBoolean()).as("event %d", i).isTrue();
            assertThat(firstResults.get(i).has("duplicate")).isFalse();
        }
        HttpResponse<String> more = postBatch(first, "[{\"key\":\"retry-a\"}]").join();
        assertThat(json(more).get("results").get(0).get("load").asLong()).as("the retry counted nothing")
                .isEqualTo(3);
    }
}
