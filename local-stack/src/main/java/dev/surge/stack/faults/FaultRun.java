package dev.surge.stack.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.Settings;
import dev.surge.stack.GracefulStop;
import dev.surge.stack.Ports;
import dev.surge.stack.Readiness;
import dev.surge.stack.Role;
import dev.surge.stack.UpOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * {@code ./surge faults}: a local stack of separate processes (broker, two counter-streams, two ingest-api) on
 * loopback, a {@link RecordingClient} posting at a steady rate, and one {@link Scenario} after the other, each
 * followed by the {@link Invariants} check once the load has stopped and the counts are quiet. Prints one line per
 * scenario; {@link #run()} is true only if every invariant and every scenario's expectations held.
 */
public final class FaultRun {
    private static final Duration QUIET_WITHIN = Duration.ofSeconds(90);
    private static final Duration WARM_UP = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A run's settings, validated once: bounded in rate, clients, keys and rounds, and naming known scenarios.
     *
     * @param scenarios names to run, in this order (empty: all)
     * @param soak      {@code --long}: faults last longer, and the whole list runs {@code rounds} times
     * @param rate      events per second the recording client sends
     * @param brokers   1, or 3 for the embedded cluster and its scenarios ({@link ClusterScenarios})
     */
    public record Options(Path home, Path dataDir, List<String> scenarios, boolean soak, int rounds, int rate,
                          int workers, int keys, int firstPort, int brokers) {
        public Options {
            scenarios = List.copyOf(scenarios);
            if (brokers != 1 && brokers != UpOptions.CLUSTER_BROKERS) {
                throw new IllegalArgumentException("--brokers should be 1 or " + UpOptions.CLUSTER_BROKERS
                        + " but was " + brokers);
            }
            if (rate < 1 || rate > 2_000 || workers < 1 || workers > 256 || keys < 1 || keys > 10_000 || rounds < 1
                    || rounds > 100) {
                throw new IllegalArgumentException("rate 1-2000, clients 1-256, keys 1-10000 and rounds 1-100: the "
                        + "run stays bounded");
            }
            for (String name : scenarios) {
                if (!known(brokers).containsKey(name)) {
                    throw new IllegalArgumentException("unknown scenario '" + name + "'" + (brokers > 1
                            ? " with --brokers " + brokers : "") + ": expected some of " + known(brokers).keySet()
                            + (known(brokers == 1 ? UpOptions.CLUSTER_BROKERS : 1).containsKey(name)
                            ? " (" + name + " runs " + (brokers == 1 ? "with --brokers 3" : "on one broker") + ")"
                            : ""));
                }
            }
        }
    }

    /** The scenarios of a run on {@code brokers} brokers, by name. */
    static Map<String, Scenario> known(int brokers) {
        return brokers > 1 ? ClusterScenarios.all() : Scenarios.all();
    }

    /**
     * How one scenario went.
     *
     * @param violations    broken invariants (I1-I4) or promises (no 5xx but true 503s, ...)
     * @param missedTargets recovery times over their target
     */
    public record ScenarioReport(String name, String line, List<String> violations, List<String> missedTargets) {
        public boolean held() {
            return violations.isEmpty() && missedTargets.isEmpty();
        }
    }

    /** Every scenario's report, in run order. */
    public record Report(List<ScenarioReport> scenarios) {
        public boolean held() {
            return scenarios.stream().allMatch(ScenarioReport::held);
        }
    }

    private final Options options;
    private final PrintStream out;
    private final long startNanos = System.nanoTime();

    public FaultRun(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Runs the scenarios and reports each; the stack is stopped in every case. */
    public Report run() throws Exception {
        Map<String, Scenario> known = known(options.brokers());
        List<Scenario> chosen = (options.scenarios().isEmpty() ? List.copyOf(known.keySet()) : options.scenarios())
                .stream().map(known::get).toList();
        UpOptions up = upOptions();
        out.println("surge faults: " + (up.cluster() ? up.brokers() + " brokers (replication factor "
                + up.replicationFactor() + ", min.insync.replicas 2)" : "broker") + ", 2 counter-streams, 2 ingest-api on 127.0.0.1 (ingest-api " + up.apiPort()
                + "-" + (up.apiPort() + 1) + ", counter-streams " + up.counterPort() + "-" + (up.counterPort() + 1)
                + ", Kafka " + up.bootstrapServers() + "); data and logs in " + up.dataDir());
        List<String> keys = IntStream.range(0, options.keys()).mapToObj(i -> "fault-k" + i).toList();
        String runId = "run-" + UUID.randomUUID().toString().substring(0, 8);
        List<ScenarioReport> reports = new ArrayList<>();
        PrintStream startLog = new PrintStream(Files.newOutputStream(up.dataDir().resolve("faults-start.log")), true);
        try (FaultStack stack = FaultStack.start(up, startLog, new Readiness(), new GracefulStop(Duration.ofSeconds(30)))) {
            RecordingClient client = new RecordingClient(stack.apiPorts(), keys, runId, options.workers(),
                    options.rate(), this::now);
            FaultContext context = new FaultContext(stack, client, keys, this::now, options.soak());
            out.println("Load: " + options.rate() + " events/s over " + keys.size() + " keys, " + options.workers()
                    + " clients; 3 in 4 events carry an Idempotency-Key and are retried until answered.");
            try {
                for (int round = 1; round <= Math.max(1, options.rounds()); round++) {
                    for (Scenario scenario : chosen) {
                        reports.add(runOne(scenario, context));
                    }
                }
            } finally {
                client.stop();
                writeLedger(client.attempts(), up.dataDir().resolve("faults-requests.csv"));
            }
            boolean allHeld = new Report(reports).held();
            long events = client.attempts().stream().filter(a -> a.attempt() == 1).count();
            out.println((allHeld ? "PASS" : "FAIL") + ": " + chosen.size() * Math.max(1, options.rounds())
                    + " scenario run(s), " + String.format("%,d", events) + " events, "
                    + (allHeld ? "every invariant held" : "see the lines above") + "; every request is in "
                    + up.dataDir().resolve("faults-requests.csv"));
        }
        return new Report(reports);
    }

    private ScenarioReport runOne(Scenario scenario, FaultContext context) throws Exception {
        RecordingClient client = context.client();
        long from = now();
        client.start();
        context.underLoad(WARM_UP);
        Scenario.Result result;
        try {
            result = scenario.run(context);
        } catch (RuntimeException | java.io.IOException e) {
            // The scenario could not finish (a process did not come back in time, ...): that is a failure of the
            // run, reported like one; the check below still runs on whatever was recorded.
            List<String> restored = context.stack().restoreAll();
            result = new Scenario.Result("did not finish", from, null,
                    List.of("the scenario failed: " + e.getMessage().lines().findFirst().orElse("")
                            + (restored.isEmpty() ? "" : "; restarted " + restored)), List.of());
        }
        client.stop();
        long to = now();
        long checkFrom = now();
        List<String> violations = new ArrayList<>(result.violations());
        violations.addAll(checkQuiet(context));
        List<Attempt> attempts = client.attempts();
        List<String> figures = new ArrayList<>();
        List<String> missed = new ArrayList<>();
        figures.add(result.faults());
        figures.add(String.format("%,d events, attempts %s", Reports.eventsSent(attempts, from, to),
                Reports.outcomes(attempts, from, to)));
        if (result.recoveryTarget() != null) {
            long recovered = Reports.recovery(attempts, context.keys(), result.recoverFrom());
            boolean met = recovered >= 0 && recovered < result.recoveryTarget().toMillis();
            figures.add("every key counted again " + (recovered < 0 ? "never" : Reports.seconds(recovered))
                    + " after (target < " + result.recoveryTarget().toSeconds() + " s" + (met ? "" : ": MISSED")
                    + ")");
            if (!met) {
                missed.add("every key counted again " + (recovered < 0 ? "never" : Reports.seconds(recovered))
                        + " after the fault: target < " + result.recoveryTarget().toSeconds() + " s");
            }
        }
        figures.add("longest without a 200 " + Reports.seconds(Reports.longestWithoutCount(attempts, from, to)));
        figures.addAll(result.figures());
        figures.add("quiet + checked in " + Reports.seconds(now() - checkFrom));
        ScenarioReport report = new ScenarioReport(scenario.name(), String.join(" | ", figures), violations, missed);
        out.printf("%-14s %s  %s%n", scenario.name(), report.held() ? "PASS" : "FAIL", report.line());
        violations.stream().limit(20).forEach(v -> out.println("    " + v));
        if (violations.size() > 20) {
            out.println("    ... and " + (violations.size() - 20) + " more");
        }
        return report;
    }

    /** I1-I4 over everything sent so far, once every count has caught up with the topics (or the wait ran out). */
    private List<String> checkQuiet(FaultContext context) throws Exception {
        CommittedEvents.Contents contents = CommittedEvents.read(context.stack().bootstrapServers());
        Invariants.Verdict verdict = Invariants.check(context.client().attempts(), contents.events());
        List<String> violations = new ArrayList<>(verdict.violations());
        Map<String, Long> counts = awaitCounts(context, verdict.expectedCounts());
        violations.addAll(Invariants.countsMatch(verdict.expectedCounts(), counts));
        return violations;
    }

    /** Reads every key's count until all equal what the topics say, or {@link #QUIET_WITHIN} passes. */
    private Map<String, Long> awaitCounts(FaultContext context, Map<String, Long> expected) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + QUIET_WITHIN.toNanos();
        Map<String, Long> counts = new HashMap<>();
        Set<String> pending = new HashSet<>(expected.keySet());
        while (true) {
            int port = context.running(Role.COUNTER_STREAMS, 0).port();
            for (String key : List.copyOf(pending)) {
                Optional<Long> count = countOf(http, port, key);
                count.ifPresent(c -> counts.put(key, c));
                if (count.isPresent() && count.get().equals(expected.get(key))) {
                    pending.remove(key);
                }
            }
            if (pending.isEmpty() || System.nanoTime() > deadline) {
                return counts;
            }
            TimeUnit.MILLISECONDS.sleep(500);
        }
    }

    private static Optional<Long> countOf(HttpClient http, int port, String key) throws InterruptedException {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/load/" + key)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200
                    ? Optional.of(JSON.readTree(response.body()).path("load").asLong()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private UpOptions upOptions() throws IOException {
        Files.createDirectories(options.dataDir());
        Set<Integer> taken = new HashSet<>();
        int api = twoFree(options.firstPort(), taken);
        int counter = twoFree(api + 2, taken);
        int broker = options.brokers() == 1 ? twoFree(counter + 2, taken) : runFree(counter + 2,
                2 * options.brokers(), taken);
        return new UpOptions(options.home(), options.dataDir(), Optional.empty(), options.brokers(), broker,
                broker + options.brokers(), api, 2,
                counter, 2, 12, KafkaSettings.from(Settings.fromEnvironment(System.getenv())));
    }

    /** The first port p from {@code from} with p to p + count - 1 all free. */
    private static int runFree(int from, int count, Set<Integer> taken) {
        int port = from;
        while (true) {
            port = Ports.firstFree(port, taken);
            int first = port;
            boolean all = java.util.stream.IntStream.range(first, first + count)
                    .allMatch(p -> !taken.contains(p) && Ports.free(p));
            if (all) {
                java.util.stream.IntStream.range(first, first + count).forEach(taken::add);
                return first;
            }
            port++;
        }
    }

    /** The first port p from {@code from} with p and p + 1 both free. */
    private static int twoFree(int from, Set<Integer> taken) {
        int port = from;
        while (true) {
            port = Ports.firstFree(port, taken);
            if (Ports.free(port + 1) && !taken.contains(port + 1)) {
                taken.add(port);
                taken.add(port + 1);
                return port;
            }
            port++;
        }
    }

    private static void writeLedger(List<Attempt> attempts, Path file) throws IOException {
        try (PrintWriter writer = new PrintWriter(Files.newBufferedWriter(file))) {
            writer.println("event,key,idempotency_key,attempt,port,sent_ms,answered_ms,status,load,event_id,duplicate,"
                    + "retry_after,error");
            for (Attempt a : attempts) {
                writer.println(String.join(",", Long.toString(a.event()), a.key(), nullable(a.idempotencyKey()),
                        Integer.toString(a.attempt()), Integer.toString(a.port()), Long.toString(a.sentAt()),
                        Long.toString(a.answeredAt()), a.status() == Attempt.NO_ANSWER ? "" : Integer.toString(a.status()),
                        a.load() == null ? "" : a.load().toString(), nullable(a.eventId()),
                        Boolean.toString(a.duplicate()), nullable(a.retryAfter()), nullable(a.error())));
            }
        }
    }

    private static String nullable(String value) {
        return value == null ? "" : value;
    }

    private long now() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
