package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.surge.common.topic.Topics;
import dev.surge.ingest.IngestServer;
import dev.surge.ingest.IngestConfig;
import dev.surge.testkit.TestKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;

/**
 * Failover of counter-streams under steady load, with each counter-streams instance its own OS process (as in
 * production, where a crash is a process dying): SIGKILL, a graceful SIGTERM, and a new instance joining. ingest-api
 * runs in this JVM with the production ack timeout, so a 202 here is a 202 a user would see.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CounterFailoverIT {
    private static final Path HOME = Path.of(System.getProperty("surge.home", "..")).toAbsolutePath().normalize();
    private static final int PARTITIONS = 12;
    private static final int KEYS = 20;
    private static final int CLIENTS = 16;
    /** Answers to collect after the change (a kill, a stop, a join) before the load stops. */
    private static final int ANSWERS_AFTER_CHANGE = 1_500;

    private final Http http = new Http();
    private final List<ManagedProcess> counters = new ArrayList<>();
    private TestKafka kafka;
    private Path workDir;
    private String applicationId;
    private IngestServer api;

    @BeforeAll
    void startKafka() throws Exception {
        kafka = TestKafka.start();
        workDir = Files.createTempDirectory("surge-failover-it");
    }

    @AfterAll
    void stopKafka() throws Exception {
        kafka.close();
        try (java.util.stream.Stream<Path> paths = Files.walk(workDir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @AfterEach
    void stopStack() {
        if (api != null) {
            api.close();
        }
        counters.forEach(counter -> counter.stop(Duration.ofSeconds(20)));
        counters.clear();
    }

    private void startStack(TestInfo test, int counterInstances) throws Exception {
        applicationId = "surge-failover-" + test.getTestMethod().orElseThrow().getName();
        for (int i = 0; i < counterInstances; i++) {
            startCounter();
        }
        counters.forEach(this::awaitReady);
        api = InProcessSurge.api(kafka.bootstrapServers(), applicationId + "-acks", List.of(), Map.of(
                "ack.timeout", IngestConfig.DEFAULT_ACK_TIMEOUT.toMillis() + "ms",
                "counter.urls", counters.stream().map(c -> "http://127.0.0.1:" + c.port())
                        .collect(Collectors.joining(","))));
    }

    private ManagedProcess startCounter() throws Exception {
        int port = Http.freePort();
        Path jar = HOME.resolve("counter-streams/target/counter-streams.jar");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-XX:+ExitOnOutOfMemoryError"));
        String extra = System.getenv("SURGE_JAVA_OPTS"); // as ./surge up passes it, e.g. a log4j2 config to debug
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", jar.toString()));
        Map<String, String> env = new HashMap<>(Map.of(
                "SURGE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SURGE_APPLICATION_ID", applicationId,
                "SURGE_HTTP_PORT", Integer.toString(port),
                "SURGE_STATE_DIR", Files.createTempDirectory(workDir, "state-").toString(),
                "SURGE_LOAD_EVENTS_PARTITIONS", Integer.toString(PARTITIONS),
                "SURGE_ACK_PARTITIONS", Integer.toString(PARTITIONS)));
        Path log = workDir.resolve(applicationId + "-" + port + ".log");
        ManagedProcess counter = ManagedProcess.start("counter-streams", port, command, env, log);
        counters.add(counter);
        return counter;
    }

    private void awaitReady(ManagedProcess counter) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(counter.isAlive()).as("counter-streams alive; log:\n%s", counter.logTail(30)).isTrue();
            assertThat(http.status(counter.port(), "/health/ready")).isEqualTo(200);
        });
    }

    /** Load until every key has been counted a few times, so the JITs are warm and every task has processed. */
    private SteadyLoad warmLoad(String prefix) {
        SteadyLoad load = SteadyLoad.start(api.port(), prefix, KEYS, CLIENTS, Duration.ofSeconds(150));
        await().atMost(Duration.ofSeconds(60)).until(() -> load.count(200) >= 1_000);
        return load;
    }

    private void awaitAnswersSince(SteadyLoad load, long sinceNanos) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> load.answeredSince(sinceNanos) >= ANSWERS_AFTER_CHANGE);
    }

    /**
     * Every event that got a 2xx is counted exactly once: the loads handed out per key are distinct, and once the
     * pipeline is quiet each key's count equals its accepted events (200 and 202).
     */
    private void assertEachAcceptedEventCountedOnce(SteadyLoad load, ManagedProcess survivor) {
        List<SteadyLoad.Answer> answers = load.answers();
        assertThat(answers).extracting(SteadyLoad.Answer::status).as("statuses %s", load.statuses())
                .allMatch(status -> status == 200 || status == 202);
        Map<String, List<Long>> loads = new TreeMap<>();
        Map<String, Long> accepted = new TreeMap<>();
        for (SteadyLoad.Answer answer : answers) {
            accepted.merge(answer.key(), 1L, Long::sum);
            if (answer.status() == 200) {
                loads.computeIfAbsent(answer.key(), k -> new ArrayList<>()).add(answer.load());
            }
        }
        loads.forEach((key, values) -> assertThat(values).as("loads handed out for %s", key).doesNotHaveDuplicates());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            for (Map.Entry<String, Long> entry : accepted.entrySet()) {
                assertThat(loadOf(survivor, entry.getKey())).as("count of %s", entry.getKey())
                        .isEqualTo(entry.getValue());
            }
        });
    }

    /** Members of the Streams group that are assigned {@code load-events} partitions (active tasks) now. */
    private long membersProcessingInput() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(applicationId))
                    .describedGroups().get(applicationId).get(10, TimeUnit.SECONDS);
            return group.members().stream().filter(member -> member.assignment().topicPartitions().stream()
                    .anyMatch(tp -> tp.topic().equals(Topics.LOAD_EVENTS.name()))).count();
        }
    }

    private long loadOf(ManagedProcess counter, String key) throws Exception {
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        "http://127.0.0.1:" + counter.port() + "/load/" + key)).timeout(Duration.ofSeconds(5)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET /load/%s: %s", key, response.body()).isEqualTo(200);
        return Http.JSON.readTree(response.body()).get("load").asLong();
    }

    private static String seconds(Duration duration) {
        return String.format(java.util.Locale.ROOT, "%.2f s", duration.toMillis() / 1000.0);
    }

    @Test
    @DisplayName("SIGKILL of one of two counter-streams instances: every key is counted again within 10 s, "
            + "every accepted event exactly once")
    void shouldCountEveryKeyAgainWithinTenSecondsAfterAnInstanceIsKilled(TestInfo test) throws Exception {
        startStack(test, 2);
        SteadyLoad load = warmLoad("kill-");
        ManagedProcess victim = counters.get(1);

        long killedAt = System.nanoTime();
        victim.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> load.slowestKeyBackSince(killedAt).isPresent());
        awaitAnswersSince(load, killedAt);
        load.stop();

        Duration takeover = load.slowestKeyBackSince(killedAt).orElseThrow();
        // From the kill on: a stretch while the JVMs were still cold at the start is not the kill's (it is printed).
        Duration gap = load.longestStretchWithout200Since(killedAt);
        System.out.printf("CounterFailoverIT SIGKILL: every key counted again %s after the kill; longest stretch "
                + "without a 200 since the kill: %s (whole run: %s); answers %s%n", seconds(takeover), seconds(gap),
                seconds(load.longestStretchWithout200()), load.statuses());
        // On a miss, the survivor's log says when it learnt of the crash, what it was given and when it ran again.
        assertThat(gap).as("longest stretch without a 200 since the kill; survivor's log:%n%s",
                        counters.get(0).logTail(40))
                .isLessThan(Duration.ofSeconds(10));
        assertThat(takeover).as("until every key is counted again; survivor's log:%n%s", counters.get(0).logTail(40))
                .isLessThan(Duration.ofSeconds(10));
        assertEachAcceptedEventCountedOnce(load, counters.get(0));
    }

    @Test
    @DisplayName("A third counter-streams instance joins under load: not a single 202")
    void shouldAnswerEveryRequestWithItsCountWhileAnInstanceJoins(TestInfo test) throws Exception {
        startStack(test, 2);
        SteadyLoad load = warmLoad("join-");

        // Requests sent from here on are the ones the join could delay (the warm-up's first ones meet cold JVMs).
        long joinedAt = System.nanoTime();
        ManagedProcess joining = startCounter();
        awaitReady(joining);
        // The new instance warms up first and takes tasks over at a probing rebalance (60 s): wait for that.
        await().atMost(Duration.ofSeconds(100)).pollInterval(Duration.ofSeconds(1))
                .until(() -> membersProcessingInput() == 3);
        long tookOverAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> load.answeredSince(tookOverAt) >= 500);
        load.stop();

        System.out.printf("CounterFailoverIT join: the new instance took tasks over %s after it started; longest "
                + "stretch without a 200: %s; answers %s; slowest since the join: %s%n",
                seconds(Duration.ofNanos(tookOverAt - joinedAt)), seconds(load.longestStretchWithout200()),
                load.statuses(), load.slowestSince(joinedAt, 5));
        assertThat(load.countSince(202, joinedAt)).as("202 answers since the join; all answers %s; 202s: %s; log of "
                + "the first instance:%n%s", load.statuses(), load.timesOf(202, joinedAt), counters.get(0).logTail(40))
                .isZero();
        assertEachAcceptedEventCountedOnce(load, counters.get(0));
    }

    @Test
    @DisplayName("SIGTERM of one of two counter-streams instances under load: not a single 202")
    void shouldAnswerEveryRequestWithItsCountWhileAnInstanceStopsGracefully(TestInfo test) throws Exception {
        startStack(test, 2);
        SteadyLoad load = warmLoad("stop-");
        ManagedProcess stopping = counters.get(1);

        // Requests sent from here on are the ones the stop could delay (the warm-up's first ones meet cold JVMs).
        long stoppedAt = System.nanoTime();
        stopping.process().destroy();
        assertThat(stopping.process().waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
        Duration stopTime = Duration.ofNanos(System.nanoTime() - stoppedAt);
        awaitAnswersSince(load, stoppedAt);
        load.stop();

        System.out.printf("CounterFailoverIT SIGTERM: process exited %s after SIGTERM; longest stretch without a "
                + "200: %s; answers %s; slowest since the SIGTERM: %s%n", seconds(stopTime),
                seconds(load.longestStretchWithout200()), load.statuses(), load.slowestSince(stoppedAt, 5));
        assertThat(load.countSince(202, stoppedAt)).as("202 answers since the SIGTERM; all answers %s; 202s: %s",
                load.statuses(), load.timesOf(202, stoppedAt)).isZero();
        assertEachAcceptedEventCountedOnce(load, counters.get(0));
    }
}
