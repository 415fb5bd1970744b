package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.surge.counter.CounterService;
import dev.surge.ingest.IngestServer;
import dev.surge.testkit.TestKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Interactive queries on a real broker with two counter-streams instances sharing the partitions: every key's count
 * is exact whichever instance (or the API) is asked, and the cluster-wide total adds each partition once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InteractiveQueriesIT {
    private static final String APP = "surge-counter-iq-it";
    private final Http http = new Http();
    private final HttpClient client = HttpClient.newHttpClient();
    private TestKafka kafka;
    private final List<CounterService> counters = new ArrayList<>();
    private IngestServer api;
    private final Map<String, Long> expected = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeAll
    void start() throws Exception {
        kafka = TestKafka.start();
        for (int i = 0; i < 2; i++) {
            counters.add(InProcessSurge.counter(kafka.bootstrapServers(), APP, Map.of()));
        }
        await().atMost(Duration.ofSeconds(90)).until(
                () -> counters.stream().allMatch(c -> c.state() == KafkaStreams.State.RUNNING));
        api = InProcessSurge.api(kafka.bootstrapServers(), "surge-ingest-acks-iq-it", counters, Map.of());

        // 256 acked events over 30 keys: iq-k gets k % 19 + 1 of them.
        Semaphore permits = new Semaphore(16);
        List<CompletableFuture<Http.Response>> responses = new ArrayList<>();
        for (int k = 0; k < 30; k++) {
            int times = k % 19 + 1;
            for (int t = 0; t < times; t++) {
                permits.acquireUninterruptibly();
                responses.add(http.postAsync(api.port(), "/simulate", "{\"key\":\"iq-" + k + "\"}")
                        .whenComplete((r, e) -> permits.release()));
            }
            expected.put("iq-" + k, (long) times);
        }
        assertThat(responses.stream().map(CompletableFuture::join).toList())
                .allSatisfy(response -> assertThat(response.status()).isEqualTo(200));
    }

    @AfterAll
    void stop() throws Exception {
        api.close();
        counters.forEach(CounterService::close);
        kafka.close();
    }

    private JsonNode get(int port, String path) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s on %d: %s", path, port, response.body()).isEqualTo(200);
        return Http.JSON.readTree(response.body());
    }

    private List<Integer> allPorts() {
        return List.of(counters.get(0).httpPort(), counters.get(1).httpPort(), api.port());
    }

    @Test
    void shouldAnswerEveryKeysExactCountFromEitherInstanceAndThroughTheApi() throws Exception {
        for (int port : allPorts()) {
            for (Map.Entry<String, Long> key : expected.entrySet()) {
                JsonNode load = get(port, "/load/" + key.getKey());
                assertThat(load.get("key").asText()).isEqualTo(key.getKey());
                assertThat(load.get("load").asLong()).as("%s asked on %d", key.getKey(), port).isEqualTo(key.getValue());
                assertThat(load.get("recent").get("60s").asLong()).isEqualTo(key.getValue());
                assertThat(load.has("stale")).isFalse();
            }
        }
    }

    private static long sumOfSeconds(JsonNode stats, String field) {
        long sum = 0;
        for (JsonNode second : stats.get("seconds")) {
            sum += second.get(field).asLong();
        }
        return sum;
    }

    private void everyPartitionActiveOnce() throws Exception {
        for (int port : allPorts()) {
            JsonNode stats = get(port, "/stats");
            List<JsonNode> counterInstances = new ArrayList<>();
            stats.get("instances").forEach(instance -> {
                if (instance.get("role").asText().equals("counter-streams")) {
                    counterInstances.add(instance);
                }
            });
            assertThat(counterInstances).as("counter-streams instances seen on %d", port).hasSize(2)
                    .allSatisfy(instance -> {
                        assertThat(instance.get("ready").asBoolean()).isTrue();
                        assertThat(instance.get("generation").asInt()).isEqualTo(1);
                        assertThat(instance.get("lag").asLong()).isGreaterThanOrEqualTo(0);
                    });
            List<Integer> partitions = new ArrayList<>();
            counterInstances.forEach(instance -> instance.get("partitions").forEach(p -> partitions.add(p.asInt())));
            assertThat(partitions).as("active partitions seen on %d", port).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, partitions.size())
                            .boxed().toList());
        }
    }

    @Test
    void shouldShowEveryInstanceAndEachPartitionCountedOnceInTheConsoleStats() throws Exception {
        long total = expected.values().stream().mapToLong(Long::longValue).sum();
        // a probing rebalance may move a partition for a moment: the next second's answer covers it again
        await().atMost(Duration.ofSeconds(30)).untilAsserted(this::everyPartitionActiveOnce);
        // ingest-api's seconds come from the meters its answers are counted in: every acked event, once
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode apiStats = get(api.port(), "/stats");
            assertThat(sumOfSeconds(apiStats, "events")).isEqualTo(total);
            assertThat(apiStats.get("self").get("role").asText()).isEqualTo("ingest-api");
        });
        // each counter-streams instance counts what its partitions' totals grew by while it held them
        long counted = 0;
        for (CounterService counter : counters) {
            counted += sumOfSeconds(get(counter.httpPort(), "/stats?here=true"), "events");
        }
        assertThat(counted).isPositive().isLessThanOrEqualTo(total);
    }

    @Test
    void shouldAddEveryPartitionOnceInTheClusterWideLoad() throws Exception {
        long total = expected.values().stream().mapToLong(Long::longValue).sum();
        for (int port : allPorts()) {
            JsonNode load = get(port, "/load");
            assertThat(load.get("total").asLong()).as("total asked on %d", port).isEqualTo(total);
            assertThat(load.get("keys").asLong()).isEqualTo(expected.size());
            assertThat(load.get("instances").asInt()).isEqualTo(2);
            assertThat(load.get("recent").get("60s").asLong()).isEqualTo(total);
            // The exact top 10 of both instances' running totals: busiest first, ties by key.
            List<String> busiest = expected.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .limit(10).map(entry -> entry.getKey() + "=" + entry.getValue()).toList();
            assertThat(load.get("top")).extracting(top -> top.get("key").asText() + "=" + top.get("load").asLong())
                    .as("top asked on %d", port).containsExactlyElementsOf(busiest);
        }
    }

    @Test
    void shouldAnswerZeroForAnUnknownKeyAndPageByPrefix() throws Exception {
        assertThat(get(api.port(), "/load/never-posted").get("load").asLong()).isZero();

        JsonNode page = get(counters.get(1).httpPort(), "/load?prefix=iq-1&limit=5");
        assertThat(page.get("matches")).extracting(m -> m.get("key").asText())
                .containsExactly("iq-1", "iq-10", "iq-11", "iq-12", "iq-13");
    }

    @Test
    void shouldNeverAnswerLessThanAnAckJustHandedOut() throws Exception {
        for (int i = 0; i < 20; i++) {
            Http.Response ack = http.post(api.port(), "/simulate", "{\"key\":\"read-your-acks\"}");
            long acked = ack.body().get("load").asLong();
            int port = allPorts().get(i % 3);
            assertThat(get(port, "/load/read-your-acks").get("load").asLong()).isGreaterThanOrEqualTo(acked);
        }
        expected.merge("read-your-acks", 20L, Long::sum);
    }
}
