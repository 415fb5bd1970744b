package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.Settings;
import dev.surge.common.config.TopicSettings;
import dev.surge.common.countpath.CountPath;
import dev.surge.common.countpath.Generation;
import dev.surge.common.countpath.Rescale;
import dev.surge.counter.CounterService;
import dev.surge.ingest.IngestServer;
import dev.surge.testkit.TestKafka;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Live partition growth on a real broker, while clients keep posting with idempotency keys, single events and
 * batches: every accepted event counted exactly once across the switch, keys continue from their counts, retries of
 * events accepted before the rescale get their first count, and an interrupted rescale completes when run again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RescaleIT {
    private static final List<String> KEYS = IntStream.range(0, 60).mapToObj(i -> "rescale-" + i).toList();
    private static final String APP = "surge-counter-rescale-it";
    private final Http http = new Http();
    private final List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
    private TestKafka kafka;
    private final List<CounterService> counters = new ArrayList<>();
    private IngestServer api;

    /** One answered POST: its key, idempotency key, status, load (0 unless 200) and when it came back. */
    record Answer(String key, String idempotencyKey, int status, long load, boolean duplicate, long atNanos) {
    }

    @BeforeAll
    void start() throws Exception {
        kafka = TestKafka.start();
        counters.add(counter());
        counters.add(counter());
        api = InProcessSurge.api(kafka.bootstrapServers(), "surge-acks-rescale-it", counters,
                Map.of("load.events.partitions", "6", "ack.timeout", "2s"));
    }

    private CounterService counter() throws Exception {
        return InProcessSurge.counter(kafka.bootstrapServers(), APP, Map.of("load.events.partitions", "6"));
    }

    @AfterAll
    void stop() throws Exception {
        api.close();
        counters.forEach(CounterService::close);
        kafka.close();
    }

    private Rescale rescale(PrintStream out) {
        return new Rescale(KafkaSettings.bootstrap(kafka.bootstrapServers()), APP, TopicSettings.from(new Settings(Map.of())), Duration.ofSeconds(90),
                out);
    }

    /**
     * Posts over {@link #KEYS}, 8 requests in flight, every event with its own idempotency key, until stopped (at most
     * 2 min): one request in four a batch of {@value #BATCH} events over as many keys (so over several partitions).
     */
    private CompletableFuture<Void> load(AtomicBoolean stop, String prefix) {
        return CompletableFuture.runAsync(() -> {
            Semaphore permits = new Semaphore(8);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            for (int i = 0; !stop.get() && System.nanoTime() < deadline; i++) {
                permits.acquireUninterruptibly();
                CompletableFuture<?> sent = i % 4 == 3 ? postBatch(i, prefix + i + "-")
                        : post(KEYS.get(i % KEYS.size()), prefix + i);
                sent.whenComplete((answer, error) -> permits.release());
            }
            permits.acquireUninterruptibly(8);
        });
    }

    private static final int BATCH = 5;

    /** A batch of {@value #BATCH} events; each event's result is one {@link Answer}, as if it had been posted alone. */
    private CompletableFuture<Void> postBatch(int i, String idempotencyPrefix) {
        List<String> keys = IntStream.range(0, BATCH).mapToObj(j -> KEYS.get((i * 7 + j * 13) % KEYS.size())).toList();
        String body = IntStream.range(0, BATCH).mapToObj(j -> "{\"key\":\"" + keys.get(j)
                + "\",\"idempotencyKey\":\"" + idempotencyPrefix + j + "\"}").collect(Collectors.joining(",", "[", "]"));
        return http.postAsync(api.port(), "/simulate/batch", body).thenAccept(response -> {
            long now = System.nanoTime();
            for (int j = 0; j < BATCH; j++) {
                com.fasterxml.jackson.databind.JsonNode result = response.status() < 300 || response.status() == 207
                        ? response.body().get("results").get(j) : null;
                String status = result == null ? "" : result.get("status").asText();
                int asAlone = status.equals("success") ? 200 : status.equals("accepted") ? 202
                        : result == null ? response.status() : 503;
                answers.add(new Answer(keys.get(j), idempotencyPrefix + j, asAlone,
                        asAlone == 200 ? result.get("load").asLong() : 0,
                        asAlone == 200 && result.has("duplicate"), now));
            }
        });
    }

    private CompletableFuture<Answer> post(String key, String idempotencyKey) {
        return http.postAsync(api.port(), "/simulate", "{\"key\":\"" + key + "\"}",
                Map.of("Idempotency-Key", idempotencyKey)).thenApply(response -> {
                    boolean counted = response.status() == 200;
                    Answer answer = new Answer(key, idempotencyKey, response.status(),
                            counted ? response.body().get("load").asLong() : 0,
                            counted && response.body().has("duplicate"), System.nanoTime());
                    answers.add(answer);
                    return answer;
                });
    }

    @Test
    @Order(1)
    void shouldGrowPartitionsUnderLoadWithExactCountsAndRetriesGettingTheirFirstCount() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> load = load(stop, "grow-");
        // copies: a synchronized list's stream() is not synchronized, and the load adds to it meanwhile
        await().atMost(Duration.ofSeconds(30)).until(() -> List.copyOf(answers).stream()
                .filter(a -> a.status() == 200).count() >= 300);
        List<Answer> before = List.copyOf(answers).stream().filter(a -> a.status() == 200).limit(40).toList();

        Rescale.Result result = rescale(System.out).to(12);
        await().atMost(Duration.ofSeconds(30)).until(() -> answers.size() >= before.size() + 600);
        stop.set(true);
        load.join();

        assertThat(result.path()).isEqualTo(CountPath.initial(6).preparing(12).cutover().settled());
        List<Answer> retries = before.stream().map(first -> post(first.key(), first.idempotencyKey()))
                .map(CompletableFuture::join).toList();
        for (int i = 0; i < before.size(); i++) {
            assertThat(retries.get(i).status()).isEqualTo(200);
            assertThat(retries.get(i).load()).as("retry of %s", before.get(i)).isEqualTo(before.get(i).load());
            assertThat(retries.get(i).duplicate()).isTrue();
        }
        assertExact();
        System.out.printf("RescaleIT 6 -> 12: %d answers, longest stretch without a 200: %d ms, steps %s%n",
                answers.size(), longestGapWithoutA200Ms(), result);
        assertThat(longestGapWithoutA200Ms()).isLessThan(10_000);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Generation second = new Generation(2, 12);
            Map<TopicPartition, OffsetSpec> latest = IntStream.range(0, 12).boxed().collect(Collectors.toMap(
                    p -> new TopicPartition(second.eventsTopic(), p), p -> OffsetSpec.latest()));
            assertThat(admin.listOffsets(latest).all().get().values())
                    .as("events land on every new partition").allSatisfy(end -> assertThat(end.offset()).isPositive());
        }
    }

    @Test
    @Order(2)
    void shouldCompleteARescaleInterruptedAfterTheCutOverWhenRunAgain() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> load = load(stop, "interrupted-");
        int already = answers.size();
        await().atMost(Duration.ofSeconds(30)).until(() -> answers.size() >= already + 200);
        PrintStream dyingAtTheHandOver = new PrintStream(new OutputStream() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public void write(int b) {
                line.append((char) b);
                if (line.toString().contains("to hand over")) {
                    throw new IllegalStateException("the rescale dies here");
                }
            }
        }, true, StandardCharsets.UTF_8);
        try {
            rescale(dyingAtTheHandOver).to(18);
        } catch (IllegalStateException expected) {
            assertThat(expected).hasMessageContaining("dies here");
        }
        // One counter instance goes away mid-rescale and a new one takes its place.
        counters.remove(0).close();
        counters.add(counter());

        Rescale.Result result = rescale(System.out).to(18);
        int afterRescale = answers.size();
        await().atMost(Duration.ofSeconds(30)).until(() -> answers.size() >= afterRescale + 300);
        stop.set(true);
        load.join();

        assertThat(result.path().current()).isEqualTo(new Generation(3, 18));
        assertExact();
        assertThat(rescale(System.out).to(18).changed()).as("a third run has nothing left to do").isFalse();
    }

    /** Acked loads per key distinct; once quiet, each key's queried count equals its accepted events. */
    private void assertExact() {
        List<Answer> all = List.copyOf(answers);
        assertThat(all).extracting(Answer::status).allSatisfy(status -> assertThat(status).isIn(200, 202));
        Map<String, List<Long>> loads = new TreeMap<>();
        Map<String, Set<String>> accepted = new TreeMap<>();
        for (Answer answer : all) {
            accepted.computeIfAbsent(answer.key(), k -> new java.util.HashSet<>()).add(answer.idempotencyKey());
            if (answer.status() == 200 && !answer.duplicate()) {
                loads.computeIfAbsent(answer.key(), k -> new ArrayList<>()).add(answer.load());
            }
        }
        loads.forEach((key, values) -> assertThat(values).as("acked loads of %s", key).doesNotHaveDuplicates());
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> accepted.forEach((key, events) -> {
            Http.Response load = http.get(api.port(), "/load/" + key);
            assertThat(load.status()).isEqualTo(200);
            assertThat(load.body().get("load").asLong()).as("count of %s", key).isEqualTo(events.size());
        }));
        // The running totals of the current generation's partitions, built from hand-overs and counts, add up too.
        long events = accepted.values().stream().mapToLong(Set::size).sum();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Http.Response cluster = http.get(api.port(), "/load");
            assertThat(cluster.status()).isEqualTo(200);
            assertThat(cluster.body().get("total").asLong()).as("GET /load total").isEqualTo(events);
            assertThat(cluster.body().get("keys").asLong()).as("GET /load keys").isEqualTo(accepted.size());
        });
    }

    private long longestGapWithoutA200Ms() {
        long[] times = List.copyOf(answers).stream().filter(a -> a.status() == 200).mapToLong(Answer::atNanos)
                .sorted().toArray();
        long longest = 0;
        for (int i = 1; i < times.length; i++) {
            longest = Math.max(longest, times[i] - times[i - 1]);
        }
        return longest / 1_000_000;
    }
}
