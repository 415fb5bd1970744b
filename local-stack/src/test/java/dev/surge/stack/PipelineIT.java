package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.surge.counter.CounterService;
import dev.surge.ingest.IngestServer;
import dev.surge.testkit.TestKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The count path end to end on a real Kafka broker: ingest-api and counter-streams in this JVM, wired exactly as
 * their {@code main()} wires them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineIT {
    private static final int PARTITIONS = 12;
    private final Http http = new Http();
    private TestKafka kafka;
    private Path stateDir;
    private CounterService counter;
    private IngestServer api;

    @BeforeAll
    void startPipeline() throws Exception {
        kafka = TestKafka.start();
        stateDir = Files.createTempDirectory("surge-pipeline-it");
        counter = startCounter();
        api = startApi();
    }

    @AfterAll
    void stopPipeline() throws Exception {
        api.close();
        counter.close();
        kafka.close();
    }

    private CounterService startCounter() throws Exception {
        return InProcessSurge.counter(kafka.bootstrapServers(), "surge-counter-it", Map.of("state.dir", stateDir.toString()));
    }

    private IngestServer startApi() {
        return InProcessSurge.api(kafka.bootstrapServers(), "surge-ingest-acks-it", List.of(counter), Map.of());
    }

    /** Fires {@code total} POSTs over {@code keys}, at most {@code inFlight} at once, round-robin over the ports. */
    private List<Http.Response> fire(int total, int inFlight, List<String> keys, int... ports) {
        Semaphore permits = new Semaphore(inFlight);
        List<CompletableFuture<Http.Response>> responses = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            permits.acquireUninterruptibly();
            String body = "{\"key\":\"" + keys.get(i % keys.size()) + "\"}";
            responses.add(http.postAsync(ports[i % ports.length], "/simulate", body)
                    .whenComplete((response, error) -> permits.release()));
        }
        return responses.stream().map(CompletableFuture::join).toList();
    }

    private static Map<String, List<Long>> loadsByKey(List<Http.Response> responses) {
        Map<String, List<Long>> loads = new TreeMap<>();
        for (Http.Response response : responses) {
            loads.computeIfAbsent(response.body().get("key").asText(), k -> new ArrayList<>())
                    .add(response.body().get("load").asLong());
        }
        return loads;
    }

    private static List<String> keys(String prefix, int count) {
        return java.util.stream.IntStream.range(0, count).mapToObj(i -> prefix + i).toList();
    }

    @Test
    void shouldAnswerTwoThousandConcurrentPostsWithEachKeysCountsExactlyOnce() {
        List<Http.Response> responses = fire(2_000, 64, keys("burst-", 20), api.port());

        assertThat(responses).allSatisfy(response -> assertThat(response.status()).isEqualTo(200));
        Map<String, List<Long>> loads = loadsByKey(responses);
        assertThat(loads).hasSize(20);
        loads.forEach((key, values) -> assertThat(values)
                .as("loads returned for %s", key)
                .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, values.size()).boxed().toList()));
        assertThat(loads.values().stream().mapToInt(List::size).sum()).isEqualTo(2_000);
    }

    @Test
    void shouldContinueTheCountAfterCounterStreamsRestartsOnTheSameState() throws Exception {
        List<Http.Response> before = fire(5, 1, List.of("restart"), api.port());
        assertThat(before).extracting(r -> r.body().get("load").asLong()).containsExactly(1L, 2L, 3L, 4L, 5L);

        counter.close();
        counter = startCounter();

        Http.Response after = http.post(api.port(), "/simulate", "{\"key\":\"restart\"}");
        assertThat(after.status()).isEqualTo(200);
        assertThat(after.body().get("load").asLong()).isEqualTo(6);
    }

    @Test
    void shouldSplitReplyPartitionsBetweenApiInstancesAndCountRequestsThroughBoth() {
        try (IngestServer second = startApi()) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(second.ownedReplyPartitions()).isPositive();
                assertThat(api.ownedReplyPartitions()).isPositive();
                assertThat(api.ownedReplyPartitions() + second.ownedReplyPartitions()).isEqualTo(PARTITIONS);
            });

            List<Http.Response> responses = fire(400, 32, keys("shared-", 8), api.port(), second.port());

            assertThat(responses).allSatisfy(response -> assertThat(response.status()).isEqualTo(200));
            loadsByKey(responses).forEach((key, values) -> assertThat(values)
                    .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, values.size()).boxed().toList()));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> api.ownedReplyPartitions() == PARTITIONS);
    }

    @Test
    void shouldRefuseMalformedJsonWithProblemJson() {
        Http.Response response = http.post(api.port(), "/simulate", "{\"key\":");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.body().get("detail").asText()).contains("not valid JSON");
    }
}
