package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.surge.common.event.EventSlice;
import dev.surge.ingest.admission.AdmissionConfig;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code POST /simulate/batch} over HTTP, on fake Kafka (the count path itself: BatchIngestIT, on a real broker). */
class BatchIngestTest {
    private TestApi api;

    @AfterEach
    void tearDown() {
        if (api != null) {
            api.close();
        }
    }

    private static String batch(String... keys) {
        return "[" + java.util.Arrays.stream(keys).map(key -> "{\"key\":\"" + key + "\"}")
                .collect(Collectors.joining(",")) + "]";
    }

    private static String keys(int events, int distinct) {
        return batch(IntStream.range(0, events).mapToObj(i -> "k-" + (i % distinct)).toArray(String[]::new));
    }

    @Test
    void shouldAnswerEveryEventWithItsOwnCountInTheRequestsOrder() {
        api = new TestApi(AdmissionConfig.DEFAULTS);

        HttpResponse<String> response = api.post("/simulate/batch", keys(40, 7));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode results = TestApi.json(response).get("results");
        assertThat(results).hasSize(40);
        Set<Long> loads = new HashSet<>();
        String batchId = null;
        for (int i = 0; i < 40; i++) {
            JsonNode result = results.get(i);
            assertThat(result.get("status").asText()).isEqualTo("success");
            assertThat(result.get("key").asText()).isEqualTo("k-" + (i % 7));
            assertThat(loads.add(result.get("load").asLong())).as("a count handed out once").isTrue();
            String id = result.get("id").asText();
            assertThat(id).endsWith(":" + i);
            batchId = batchId == null ? id.substring(0, id.lastIndexOf(':')) : batchId;
            assertThat(id).isEqualTo(batchId + ":" + i);
        }
        assertThat(api.publisher.slices).as("one record per partition holding any of the keys").hasSizeBetween(2, 4);
        assertThat(api.publisher.slices).allSatisfy(slice -> assertThat(slice.events())
                .allMatch(event -> api.publisher.generation.partitionOf(event.key())
                        == api.publisher.generation.partitionOf(slice.recordKey())));
        assertThat(api.metric("surge_events_total{client=\"anonymous\",outcome=\"counted\"}")).isEqualTo(40.0);
        assertThat(api.registry.scrape()).contains("surge_batch_events_count 1");
    }

    @Test
    void shouldAnswerARetriedBatchWithEveryEventsFirstCount() {
        api = new TestApi(AdmissionConfig.DEFAULTS);
        String body = "[{\"key\":\"a\",\"idempotencyKey\":\"r-1\"},{\"key\":\"b\",\"idempotencyKey\":\"r-2\"},"
                + "{\"key\":\"a\"}]";

        JsonNode first = TestApi.json(api.post("/simulate/batch", body)).get("results");
        HttpResponse<String> retry = api.post("/simulate/batch", body);

        assertThat(retry.statusCode()).isEqualTo(200);
        JsonNode again = TestApi.json(retry).get("results");
        assertThat(again.get(0).get("load").asLong()).isEqualTo(first.get(0).get("load").asLong());
        assertThat(again.get(0).get("duplicate").asBoolean()).isTrue();
        assertThat(again.get(1).get("load").asLong()).isEqualTo(first.get(1).get("load").asLong());
        assertThat(again.get(1).get("duplicate").asBoolean()).isTrue();
        assertThat(again.get(2).has("duplicate")).as("no key: counted again").isFalse();
        assertThat(again.get(2).get("load").asLong()).isGreaterThan(first.get(2).get("load").asLong());
    }

    @Test
    void shouldRefuseABatchWithABadElementWholeAndWriteNothing() {
        api = new TestApi(AdmissionConfig.DEFAULTS);

        HttpResponse<String> response = api.post("/simulate/batch", "[{\"key\":\"ok\"},{\"key\":\"not ok\"}]");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = TestApi.json(response);
        assertThat(problem.get("errors").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(problem.get("errors").get(0).get("pointer").asText()).isEqualTo("/1/key");
        assertThat(api.publisher.slices).isEmpty();
    }

    @Test
    void shouldRefuseTooManyEventsAndTooManyBytesWith413() {
        api = new TestApi(AdmissionConfig.DEFAULTS.withBatchLimits(new AdmissionConfig.BatchLimits(5, 200, 100, 1 << 20)));

        HttpResponse<String> tooMany = api.post("/simulate/batch", keys(6, 1));
        HttpResponse<String> tooLarge = api.post("/simulate/batch", batch("x".repeat(100), "y".repeat(100)));
        HttpResponse<String> tooLargeChunked = api.send(api.request("/simulate/batch")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                        batch("x".repeat(100), "y".repeat(100)).getBytes(java.nio.charset.StandardCharsets.UTF_8)))));

        assertThat(tooMany.statusCode()).isEqualTo(413);
        assertThat(TestApi.json(tooMany).get("detail").asText()).contains("at most 5 events");
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(tooLargeChunked.statusCode()).isEqualTo(413);
        assertThat(api.post("/simulate/batch", keys(5, 1)).statusCode()).isEqualTo(200);
        assertThat(api.post("/simulate", "{\"key\":\"" + "z".repeat(100) + "\"}").statusCode())
                .as("the single-event limit is its own").isEqualTo(200);
    }

    @Test
    void shouldSpendRateLimitsInEventsAndRefuseABatchThatDoesNotFitWhole() {
        api = new TestApi(AdmissionConfig.DEFAULTS.withRateLimit(100, 0));

        HttpResponse<String> first = api.post("/simulate/batch", keys(60, 3));
        HttpResponse<String> second = api.post("/simulate/batch", keys(60, 3));
        HttpResponse<String> larger = api.post("/simulate/batch", keys(101, 3));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("RateLimit")).hasValue("\"default\";r=40;t=1");
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(larger.statusCode()).isEqualTo(429);
        assertThat(TestApi.json(larger).get("type").asText()).isEqualTo("urn:surge:problem:over-quota");
        assertThat(larger.headers().firstValue("Retry-After")).as("waiting cannot help").isEmpty();
        assertThat(api.publisher.slices.stream().mapToInt(EventSlice::size).sum()).as("only the first written")
                .isEqualTo(60);
        api.time.advance(Duration.ofSeconds(1));
        assertThat(api.post("/simulate/batch", keys(60, 3)).statusCode()).isEqualTo(200);
        assertThat(api.metric("surge_events_total{client=\"anonymous\",outcome=\"rate_limited\"}"))
                .isEqualTo(161.0);
    }

    @Test
    void shouldRefuseEventsBeyondTheInFlightBoundWith503AndGiveTheRoomBack() {
        api = new TestApi(AdmissionConfig.DEFAULTS.withBatchLimits(new AdmissionConfig.BatchLimits(50, 1 << 20, 60, 4 << 20)),
                TestApi.PRODUCE_TIMEOUT, Duration.ofSeconds(30));
        api.inbox.counter = null; // no counts: the first batch waits for its ack timeout

        var waiting = api.sendAsync(api.postRequest("/simulate/batch", keys(50, 2)));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> api.admission.eventsInFlight() == 50);
        HttpResponse<String> refused = api.post("/simulate/batch", keys(20, 2));

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(api.post("/simulate/batch?ack=durable", keys(10, 2)).statusCode()).as("10 more fit")
                .isEqualTo(202);
        api.inbox.batches.forEach(batch -> batch.release());
        assertThat(waiting.join().statusCode()).isEqualTo(202);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> api.admission.eventsInFlight() == 0);
    }

    @Test
    void shouldRefuseABodyBeyondTheBytesAllRequestsMayHoldWith503AndGiveThemBack() {
        String waitingBody = keys(50, 2);
        api = new TestApi(AdmissionConfig.DEFAULTS.withBatchLimits(new AdmissionConfig.BatchLimits(50, waitingBody.length() + 10, 1_000,
                waitingBody.length() + 100)), TestApi.PRODUCE_TIMEOUT, Duration.ofSeconds(30));
        api.inbox.counter = null; // no counts: the first batch holds its body until its ack timeout

        var waiting = api.sendAsync(api.postRequest("/simulate/batch", waitingBody));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> api.admission.eventsInFlight() == 50);
        HttpResponse<String> refused = api.post("/simulate/batch", keys(50, 3));
        HttpResponse<String> fits = api.post("/simulate/batch?ack=durable", keys(2, 2));

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(fits.statusCode()).as("a small body still fits").isEqualTo(202);
        api.inbox.batches.forEach(batch -> batch.release());
        assertThat(waiting.join().statusCode()).isEqualTo(202);
        // the server gives the held bytes back once its answer is written, which may be just after the client has it;
        // a refused post (503) writes nothing, so asking again is safe
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(api.post("/simulate/batch?ack=durable", keys(50, 3)).statusCode()).as("the bytes came back")
                        .isEqualTo(202));
    }

    @Test
    void shouldSayWhichEventsKafkaDidNotTake() {
        api = new TestApi(AdmissionConfig.DEFAULTS);
        List<String> keys = IntStream.range(0, 30).mapToObj(i -> "k-" + i).toList();
        int refusedPartition = api.publisher.generation.partitionOf("k-0");
        api.publisher.refuse = slice -> api.publisher.generation.partitionOf(slice.recordKey()) == refusedPartition;

        HttpResponse<String> response = api.post("/simulate/batch", batch(keys.toArray(String[]::new)));

        assertThat(response.statusCode()).isEqualTo(207);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
        JsonNode results = TestApi.json(response).get("results");
        List<String> statuses = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            boolean refused = api.publisher.generation.partitionOf(keys.get(i)) == refusedPartition;
            assertThat(results.get(i).get("status").asText()).as(keys.get(i))
                    .isEqualTo(refused ? "unavailable" : "success");
            statuses.add(results.get(i).get("status").asText());
        }
        assertThat(statuses).contains("unavailable", "success");
    }

    @Test
    void shouldAnswer503WhenKafkaTakesNoneOfTheBatch() {
        api = new TestApi(AdmissionConfig.DEFAULTS);
        api.publisher.refuse = slice -> true;

        HttpResponse<String> response = api.post("/simulate/batch", keys(10, 5));

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
    }

    @Test
    void shouldAnswerDurableBatchesWithWhereEachEventWasWritten() {
        api = new TestApi(AdmissionConfig.DEFAULTS);

        HttpResponse<String> response = api.post("/simulate/batch?ack=durable", keys(12, 12));

        assertThat(response.statusCode()).isEqualTo(202);
        JsonNode results = TestApi.json(response).get("results");
        for (int i = 0; i < 12; i++) {
            assertThat(results.get(i).get("status").asText()).isEqualTo("accepted");
            assertThat(results.get(i).get("partition").asInt())
                    .isEqualTo(api.publisher.generation.partitionOf("k-" + i));
            assertThat(results.get(i).has("offset")).isTrue();
            assertThat(results.get(i).has("load")).isFalse();
        }
    }

    @Test
    void shouldMarkEventsWhoseCountIsLateAsAccepted() {
        api = new TestApi(AdmissionConfig.DEFAULTS);
        api.inbox.counter = null;

        HttpResponse<String> response = api.post("/simulate/batch", keys(3, 3));

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(TestApi.json(response).get("results").findValuesAsText("status"))
                .containsExactly("accepted", "accepted", "accepted");
    }
}
