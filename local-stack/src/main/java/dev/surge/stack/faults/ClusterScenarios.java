package dev.surge.stack.faults;

import dev.surge.common.topic.Topics;
import dev.surge.stack.StackProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The scenarios of {@code ./surge faults --brokers 3}: a broker of the embedded cluster lost under load (the one
 * that leads the most {@code load-events} partitions, the transaction coordinator of counter-streams, the active
 * controller), and two of the three lost at once.
 */
final class ClusterScenarios {
    /** How long a lost broker stays down under load (with {@code --long}: {@link #DOWN_SOAK}). */
    private static final Duration DOWN = Duration.ofSeconds(10);
    private static final Duration DOWN_SOAK = Duration.ofSeconds(30);
    private static final Duration RECOVERY_WAIT = Duration.ofSeconds(90);
    private static final Duration REJOIN_WAIT = Duration.ofSeconds(120);
    /** The goal for the longest time any key goes without a 200 while one broker is lost. */
    private static final Duration GAP_GOAL = Duration.ofSeconds(5);
    /** How long a scenario waits under load for the stack to count steadily ({@link FaultContext#awaitSteady}). */
    private static final Duration STEADY_WAIT = Duration.ofSeconds(60);

    private ClusterScenarios() {
    }

    static Map<String, Scenario> all() {
        Map<String, Scenario> all = new LinkedHashMap<>();
        for (Scenario scenario : List.of(
                new BrokerLoss("leader-kill", "the leader of the most load-events partitions",
                        view -> view.leaderOfMostPartitions(Topics.LOAD_EVENTS.name())),
                new BrokerLoss("coordinator-kill", "the transaction coordinator of most of counter-streams' "
                        + "transactional ids", view -> view.coordinatorOfMostTransactions("surge-counter")),
                new BrokerLoss("controller-kill", "the active controller", ClusterView::activeController),
                new TwoBrokersDown())) {
            all.put(scenario.name(), scenario);
        }
        return all;
    }

    /** Picks the broker a scenario loses. */
    @FunctionalInterface
    interface Victim {
        int node(ClusterView view) throws Exception;
    }

    /**
     * SIGKILL one broker under load, keep it down, start it again on its log and wait until it is back in the ISR
     * of every partition it holds. Meanwhile the other two lead and count: every answer 200, 202 or 503.
     */
    static final class BrokerLoss implements Scenario {
        private final String name;
        private final String who;
        private final Victim victim;

        BrokerLoss(String name, String who, Victim victim) {
            this.name = name;
            this.who = who;
            this.victim = victim;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Result run(FaultContext context) throws Exception {
            FaultStack stack = context.stack();
            // The failover figures are only the failover's when the stack counted steadily before the kill.
            long steadyAt = context.awaitSteady(STEADY_WAIT);
            try (ClusterView view = new ClusterView(stack.bootstrapServers())) {
                List<String> underReplicated = underReplicated(view);
                int node = victim.node(view);
                long led = view.partitionsLedBy(Topics.LOAD_EVENTS.name(), node);
                int controller = view.activeController();
                StackProcess broker = stack.broker(node);
                long faultAt = context.now();
                Instant killedAt = Instant.now();
                stack.kill(broker);
                context.underLoad(context.soak() ? DOWN_SOAK : DOWN);
                long restartAt = context.now();
                stack.restart(broker);
                long registered = context.now();
                long rejoined = awaitRejoined(view, node, context);
                long recovered = context.awaitEveryKeyCounted(registered, RECOVERY_WAIT);
                context.underLoad(Duration.ofSeconds(3));
                Collection<Attempt> attempts = context.client().attempts();
                List<String> violations = new ArrayList<>(underReplicated);
                violations.addAll(context.serverErrorsSince(faultAt));
                violations.addAll(unexpectedAnswers(attempts, faultAt, restartAt));
                if (rejoined < 0) {
                    violations.add("broker " + node + " was not back in every ISR within " + REJOIN_WAIT.toSeconds()
                            + " s of its restart");
                }
                violations.addAll(notCountedAgain(recovered));
                List<String> figures = new ArrayList<>(failover(attempts, context.keys(), faultAt, restartAt));
                figures.add("restarted broker registered in " + Reports.seconds(registered - restartAt)
                        + ", back in every ISR " + (rejoined < 0 ? "never" : Reports.seconds(rejoined - registered))
                        + " after");
                figures.add(steadyAt < 0
                        ? "NOT counting steadily when killed (not within " + STEADY_WAIT.toSeconds() + " s of load)"
                        : "counting steadily before the kill (every answer 200) since run clock " + steadyAt + " ms");
                // The wall-clock time ties the run clock of faults-requests.csv to the services' and brokers' logs.
                figures.add("killed at " + killedAt + " (run clock " + faultAt + " ms)");
                return new Result("SIGKILL broker " + node + " (" + who + "; led " + led + " of its partitions; "
                        + (controller == node ? "the active controller too" : "active controller: broker " + controller)
                        + "), down " + Reports.seconds(restartAt - faultAt), faultAt, null, violations, figures);
            }
        }
    }

    /**
     * SIGKILL two of the three brokers under load: the KRaft quorum and min.insync.replicas=2 are both lost, so no
     * write can be acknowledged; then both are started again and every key must be counted again.
     */
    static final class TwoBrokersDown implements Scenario {
        @Override
        public String name() {
            return "two-brokers-down";
        }

        @Override
        public Result run(FaultContext context) throws Exception {
            FaultStack stack = context.stack();
            try (ClusterView view = new ClusterView(stack.bootstrapServers())) {
                int first = view.leaderOfMostPartitions(Topics.LOAD_EVENTS.name());
                int second = view.brokers().stream().filter(node -> node != first).sorted().findFirst()
                        .orElseThrow();
                StackProcess one = stack.broker(first);
                StackProcess other = stack.broker(second);
                long faultAt = context.now();
                stack.kill(one);
                stack.kill(other);
                context.underLoad(context.soak() ? DOWN_SOAK : DOWN);
                long restartAt = context.now();
                List<Attempt> during = context.client().attempts().stream()
                        .filter(a -> a.sentAt() >= faultAt + 1_000 && a.sentAt() < restartAt).toList();
                stack.restartTogether(List.of(one, other));
                long registered = context.now();
                long recovered = context.awaitEveryKeyCounted(registered, RECOVERY_WAIT);
                context.underLoad(Duration.ofSeconds(3));
                List<String> violations = new ArrayList<>(context.serverErrorsSince(faultAt));
                violations.addAll(notCountedAgain(recovered));
                List<String> figures = new ArrayList<>();
                figures.add("from 1 s after the kill until the restart: " + answers(during) + ", answer time p50 "
                        + millis(percentile(during, 0.50)) + ", p99 " + millis(percentile(during, 0.99)));
                figures.add("both restarted and registered in " + Reports.seconds(registered - restartAt)
                        + ", every key counted again " + (recovered < 0 ? "never" : Reports.seconds(recovered))
                        + " after");
                return new Result("SIGKILL brokers " + first + " and " + second + ", down "
                        + Reports.seconds(restartAt - faultAt), faultAt, null, violations, figures);
            }
        }
    }

    /** The violation when not every key was counted again after a restart ({@code recovered} below 0), else none. */
    private static List<String> notCountedAgain(long recovered) {
        return recovered < 0 ? List.of("not every key was counted again within " + RECOVERY_WAIT.toSeconds()
                + " s of the restart") : List.of();
    }

    /** Every topic of the cluster (Kafka's, Surge's, Streams') whose partitions have fewer than 3 replicas. */
    private static List<String> underReplicated(ClusterView view) throws Exception {
        return view.replicationFactors().entrySet().stream()
                .filter(topic -> topic.getValue() < dev.surge.stack.UpOptions.CLUSTER_BROKERS)
                .map(topic -> "topic " + topic.getKey() + " has " + topic.getValue() + " replica(s), not "
                        + dev.surge.stack.UpOptions.CLUSTER_BROKERS).toList();
    }

    /** Waits until {@code node} is in every ISR it belongs in; returns when (run clock), or -1. */
    private static long awaitRejoined(ClusterView view, int node, FaultContext context) throws InterruptedException {
        long deadline = System.nanoTime() + REJOIN_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (view.inEveryIsr(node).orElse(false)) {
                return context.now();
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        return -1;
    }

    /** Answers other than 200, 202 and 503 to requests sent while the broker was down. */
    private static List<String> unexpectedAnswers(Collection<Attempt> attempts, long from, long to) {
        Map<String, Long> other = new HashMap<>();
        for (Attempt attempt : attempts) {
            if (attempt.sentAt() >= from && attempt.sentAt() < to && !Set.of(200, 202, 503).contains(attempt.status())) {
                other.merge(attempt.status() == Attempt.NO_ANSWER ? "no answer" : Integer.toString(attempt.status()),
                        1L, Long::sum);
            }
        }
        return other.entrySet().stream().map(e -> e.getValue() + " answered " + e.getKey()
                + " while one broker was down (expected 200, 202 or 503 only)").toList();
    }

    /** The failover's figures over the requests sent in [from, to): longest gaps, 503 share, p99. */
    static List<String> failover(Collection<Attempt> attempts, List<String> keys, long from, long to) {
        List<Attempt> during = attempts.stream().filter(a -> a.sentAt() >= from && a.sentAt() < to).toList();
        long perKey = longestWithoutCountPerKey(attempts, keys, from, to);
        return List.of("while down: longest without a 200 for a key " + Reports.seconds(perKey) + " (goal < "
                + GAP_GOAL.toSeconds() + " s" + (perKey < GAP_GOAL.toMillis() ? "" : ": MISSED") + "), for all keys "
                + Reports.seconds(Reports.longestWithoutCount(attempts, from, to)) + "; " + answers(during)
                + "; answer time p50 " + millis(percentile(during, 0.50)) + ", p99 "
                + millis(percentile(during, 0.99)) + ", max " + millis(percentile(during, 1.0)));
    }

    /** The longest time one of {@code keys} went without a 200 answered in [from, to]. */
    static long longestWithoutCountPerKey(Collection<Attempt> attempts, List<String> keys, long from, long to) {
        long longest = 0;
        for (String key : keys) {
            List<Attempt> ofKey = attempts.stream().filter(a -> a.key().equals(key)).toList();
            longest = Math.max(longest, Reports.longestWithoutCount(ofKey, from, to));
        }
        return longest;
    }

    /** "1,234 requests: 503 12.3 %, 200 80.0 %, ..." */
    private static String answers(List<Attempt> attempts) {
        Map<String, Long> tally = new java.util.TreeMap<>();
        attempts.forEach(a -> tally.merge(a.status() == Attempt.NO_ANSWER ? "no answer" : Integer.toString(a.status()),
                1L, Long::sum));
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%,d requests", attempts.size()));
        tally.forEach((status, count) -> line.append(String.format(Locale.ROOT, ", %s %.1f %%", status,
                100.0 * count / Math.max(1, attempts.size()))));
        return line.toString();
    }

    /** The {@code quantile} of the answer times (answered minus sent) of {@code attempts}; -1 when there are none. */
    private static long percentile(List<Attempt> attempts, double quantile) {
        long[] times = attempts.stream().mapToLong(a -> a.answeredAt() - a.sentAt()).sorted().toArray();
        if (times.length == 0) {
            return -1;
        }
        return times[Math.min(times.length - 1, (int) Math.ceil(quantile * times.length) - 1 < 0 ? 0
                : (int) Math.ceil(quantile * times.length) - 1)];
    }

    private static String millis(long millis) {
        return millis < 0 ? "-" : millis + " ms";
    }
}
