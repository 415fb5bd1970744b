package dev.surge.stack.faults;

import dev.surge.common.countpath.CountPath;
import dev.surge.stack.Role;
import dev.surge.stack.StackProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The fault scenarios of {@code ./surge faults}, by name, in the order a run takes them. */
final class Scenarios {
    /** counter-streams' session timeout is 6 s; a pause past it gets the instance fenced. */
    private static final Duration PAUSE = Duration.ofSeconds(20);
    private static final Duration RECOVERY_WAIT = Duration.ofSeconds(90);

    private Scenarios() {
    }

    static Map<String, Scenario> all() {
        Map<String, Scenario> all = new LinkedHashMap<>();
        for (Scenario scenario : List.of(new CounterKill(), new CounterPause(), new Poison(), new ApiKill(),
                new GracefulStop(Role.INGEST_API), new GracefulStop(Role.COUNTER_STREAMS), new SlowClients(),
                new BrokerKill(), new BrokerPause(), new RescaleKill())) {
            all.put(scenario.name(), scenario);
        }
        return all;
    }

    /** SIGKILL one of two counter-streams instances under load, then start it again on its state directory. */
    static final class CounterKill implements Scenario {
        @Override
        public String name() {
            return "counter-kill";
        }

        @Override
        public Result run(FaultContext context) throws Exception {
            StackProcess victim = context.running(Role.COUNTER_STREAMS, 0);
            long faultAt = context.now();
            context.stack().kill(victim);
            context.awaitEveryKeyCounted(faultAt, RECOVERY_WAIT);
            long restartAt = context.now();
            context.stack().restart(victim);
            long restarted = context.now() - restartAt;
            context.underLoad(Duration.ofSeconds(5));
            return new Result("SIGKILL counter-streams :" + victim.port() + ", restarted (ready in "
                    + Reports.seconds(restarted) + ")", faultAt, Duration.ofSeconds(10), List.of(), List.of());
        }
    }

    /**
     * SIGSTOP one counter-streams instance for longer than its session timeout, then SIGCONT: the group moves its
     * tasks away meanwhile; on waking, its stale transactions are fenced and it rejoins.
     */
    static final class CounterPause implements Scenario {
        @Override
        public String name() {
            return "counter-pause";
        }

        @Override
        public Result run(FaultContext context) throws Exception {
            StackProcess victim = context.running(Role.COUNTER_STREAMS, 1);
            long faultAt = context.now();
            context.stack().pause(victim);
            try {
                context.awaitEveryKeyCounted(faultAt, RECOVERY_WAIT);
                long left = PAUSE.toMillis() - (context.now() - faultAt);
                if (left > 0) {
                    context.underLoad(Duration.ofMillis(left));
                }
            } finally {
                context.stack().resume(victim);
            }
            context.underLoad(Duration.ofSeconds(10));
            List<String> figures = new ArrayList<>();
            if (!victim.alive()) {
                figures.add("the paused instance exited after SIGCONT; restarted");
                context.stack().restart(victim);
            }
            return new Result("SIGSTOP counter-streams :" + victim.port() + " for " + PAUSE.toSeconds()
                    + " s, SIGCONT", faultAt, Duration.ofSeconds(10), List.of(), figures);
        }
    }

    /**
     * One record of every poison kind written straight to the events topic under load: each ends up in
     * {@code load-events-dlq} once with its reason, and counting goes on (the invariant check covers the rest).
     */
    static final class Poison implements Scenario {
        @Override
        public String name() {
            return "poison";
        }

        @Override
        public Result run(FaultContext context) throws Exception {
            FaultStack stack = context.stack();
            String topic = stack.countPath().writeTo().eventsTopic();
            long faultAt = context.now();
            List<PoisonRecords.Poison> poisons = PoisonRecords.everyKind();
            Map<String, String> written = PoisonRecords.write(stack.bootstrapServers(), topic, poisons);
            context.underLoad(Duration.ofSeconds(5));
            List<String> violations = new ArrayList<>(PoisonRecords.checkDeadLettered(stack.bootstrapServers(),
                    written, Duration.ofSeconds(60)));
            return new Result(poisons.size() + " poison records (" + String.join(", ", written.keySet()) + ") to "
                    + topic, faultAt, null, violations, List.of(
                    (poisons.size() - violations.size()) + "/" + poisons.size() + " in load-events-dlq with their reason"));
        }
    }

    /**
     * SIGKILL the broker, keep it down, start it again on its log: meanwhile every request gets 503 (not written) or
     * 504 (not confirmed) with Retry-After, never another 5xx, and counts come back soon after the restart.
     */
    static final class BrokerKill implements Scenario {
        @Override
        public String name() {
            return "broker-kill";
        }

        @Override
        public Result run(FaultContext context) throws Exception {
            StackProcess broker = context.running(Role.BROKER, 0);
            long faultAt = context.now();
            context.stack().kill(broker);
            context.underLoad(Duration.ofSeconds(context.soak() ? 30 : 8));
            long restartAt = context.now();
            context.stack().restart(broker);
            long recoverFrom = context.now();
            context.awaitEveryKeyCounted(recoverFrom, RECOVERY_WAIT);
            List<String> violations = new ArrayList<>(context.serverErrorsSince(faultAt));
            List<String> figures = restartWhatExited(context, "down");
            context.underLoad(Duration.ofSeconds(5));
            return new Result("SIGKILL broker, down " + Reports.seconds(restartAt - faultAt) + ", restarted (ready in "
                    + Reports.seconds(recoverFrom - restartAt) + ")", recoverFrom, Duration.ofSeconds(15), violations,
                    figures);
        }
    }

    /**
     * SIGSTOP the broker for longer than ingest-api's produce timeout (2 s), then SIGCONT. Writes in flight expire on the
     * client (504: may or may not be counted) while the broker still holds them, and when it wakes it appends what it
     * had received; an expired in-flight write makes Kafka's idempotent producer bump its epoch and send the
     * partition's other in-flight batches again under new sequence numbers, which the broker cannot tell from new ones
     * (seen on the three-broker cluster: README, "Running against a Kafka cluster"). Whatever happens, no event may be
     * in the log twice or counted twice (I1-I4), and every answer is a 2xx, 503 or 504.
     */
    static final class BrokerPause implements Scenario {
        private static final Duration BROKER_PAUSE = Duration.ofSeconds(6);

        @Override
        public String name() {
            return "broker-pause";
        }

        @Override
        public Result run(FaultContext context) throws Exception {
            StackProcess broker = context.running(Role.BROKER, 0);
            long faultAt = context.now();
            context.stack().pause(broker);
            try {
                context.underLoad(BROKER_PAUSE);
            } finally {
                context.stack().resume(broker);
            }
            long recoverFrom = context.now();
            context.awaitEveryKeyCounted(recoverFrom, RECOVERY_WAIT);
            List<String> violations = new ArrayList<>(context.serverErrorsSince(faultAt));
            List<String> figures = restartWhatExited(context, "paused");
            context.underLoad(Duration.ofSeconds(5));
            return new Result("SIGSTOP broker for " + BROKER_PAUSE.toSeconds() + " s, SIGCONT", recoverFrom,
                    Duration.ofSeconds(15), violations, figures);
        }
    }

    /**
     * Starts again every counter-streams and ingest-api instance that exited while the broker was {@code how} (down,
     * paused): one line each for the report.
     */
    private static List<String> restartWhatExited(FaultContext context, String how) throws Exception {
        List<String> figures = new ArrayList<>();
        for (Role role : List.of(Role.COUNTER_STREAMS, Role.INGEST_API)) {
            for (StackProcess gone : context.stack().listedButDead(role)) {
                figures.add(role + " :" + gone.port() + " exited while the broker was " + how + "; restarted");
                context.stack().restart(gone);
            }
        }
        return figures;
    }

    /**
     * SIGKILL one of two ingest-api instances: the client retries its unanswered idempotent requests through the
     * other; the instance is started again on its port and must answer with counts soon.
     */
    static final class ApiKill implements Scenario {
        @Override
        public String name() {
            return "api-kill";
        }

        @Override
        public Result run(FaultContext context) throws Exception {
            StackProcess victim = context.running(Role.INGEST_API, 0);
            long faultAt = context.now();
            context.stack().kill(victim);
            context.underLoad(Duration.ofSeconds(3));
            long restartAt = context.now();
            context.stack().restart(victim);
            long ready = context.now();
            long firstCount = context.awaitFirstCountFrom(victim.port(), ready, RECOVERY_WAIT);
            context.underLoad(Duration.ofSeconds(5));
            List<String> violations = new ArrayList<>(context.serverErrorsSince(faultAt));
            if (firstCount < 0) {
                violations.add("the restarted ingest-api answered no 200 within " + RECOVERY_WAIT.toSeconds() + " s");
            }
            return new Result("SIGKILL ingest-api :" + victim.port() + ", restarted (ready in "
                    + Reports.seconds(ready - restartAt) + ")", faultAt, null, violations,
                    List.of("restarted API's first 200 " + (firstCount < 0 ? "never" : Reports.seconds(firstCount))
                            + " after it was ready (target < 10 s)"));
        }
    }

    /**
     * SIGTERM (as {@code ./surge stop} and Kubernetes send) to one instance of {@code role} under load: it drains,
     * nobody gets a 5xx but a true 503, and it is started again.
     */
    static final class GracefulStop implements Scenario {
        private final Role role;

        GracefulStop(Role role) {
            this.role = role;
        }

        @Override
        public String name() {
            return role == Role.INGEST_API ? "api-stop" : "counter-stop";
        }

        @Override
        public Result run(FaultContext context) throws Exception {
            StackProcess victim = context.running(role, 1);
            long stopAt = context.now();
            dev.surge.stack.GracefulStop.Outcome outcome = context.stack().stopGracefully(victim);
            long stopped = context.now() - stopAt;
            context.underLoad(Duration.ofSeconds(3));
            context.stack().restart(victim);
            context.underLoad(Duration.ofSeconds(3));
            long accepted = context.client().attempts().stream()
                    .filter(a -> a.sentAt() >= stopAt && a.status() == 202).count();
            List<String> violations = new ArrayList<>(context.serverErrorsSince(stopAt));
            if (outcome != dev.surge.stack.GracefulStop.Outcome.EXITED) {
                violations.add(role + " did not exit on SIGTERM within the grace period (" + outcome + ")");
            }
            return new Result("SIGTERM " + role + " :" + victim.port() + " (" + outcome.name().toLowerCase()
                    + " in " + Reports.seconds(stopped) + "), restarted", stopAt, null, violations,
                    List.of(accepted + " x 202 since the SIGTERM"));
        }
    }

    /**
     * 500 connections to one ingest-api that send a POST's headers, then its body one byte a second, for longer than
     * the API waits for a body (SURGE_BODY_TIMEOUT, 10 s by default): the recording client's requests to that
     * instance keep being answered within 1 s, every slow connection gets 408 (or is closed), and nothing of theirs
     * is counted (their bodies never complete; the invariant check covers the recorded events).
     */
    static final class SlowClients implements Scenario {
        private static final int CONNECTIONS = 500;
        private static final Duration DRIP = Duration.ofSeconds(15);
        private static final long NORMAL_LIMIT_MS = 1_000;

        @Override
        public String name() {
            return "slow-clients";
        }

        @Override
        public Result run(FaultContext context) throws Exception {
            StackProcess api = context.running(Role.INGEST_API, 0);
            long from = context.now();
            SlowBodies.Outcome slow;
            try (SlowBodies bodies = SlowBodies.open(api.port(), CONNECTIONS)) {
                slow = bodies.drip(DRIP);
            }
            long to = context.now();
            List<Attempt> normal = context.client().attempts().stream()
                    .filter(a -> a.port() == api.port() && a.sentAt() >= from && a.sentAt() <= to).toList();
            long slowest = normal.stream().mapToLong(a -> a.answeredAt() - a.sentAt()).max().orElse(-1);
            long overLimit = normal.stream().filter(a -> a.answeredAt() - a.sentAt() > NORMAL_LIMIT_MS).count();
            List<String> violations = new ArrayList<>(context.serverErrorsSince(from));
            if (normal.isEmpty()) {
                violations.add("no request of the recording client reached :" + api.port() + " meanwhile");
            }
            if (overLimit > 0) {
                violations.add(overLimit + " of " + normal.size() + " requests to :" + api.port() + " took over "
                        + NORMAL_LIMIT_MS + " ms while the slow clients were connected (slowest "
                        + slowest + " ms)");
            }
            if (slow.answered408() + slow.closedWithout408() != slow.opened()) {
                violations.add((slow.opened() - slow.answered408() - slow.closedWithout408())
                        + " slow connections were neither answered 408 nor closed after " + DRIP.toSeconds() + " s");
            }
            return new Result(slow.opened() + " slow-body connections to ingest-api :" + api.port() + " for "
                    + DRIP.toSeconds() + " s", from, null, violations, List.of(
                    normal.size() + " requests to it meanwhile, slowest " + slowest + " ms (limit " + NORMAL_LIMIT_MS
                            + " ms)", slow.answered408() + " x 408, " + slow.closedWithout408()
                            + " closed without an answer"));
        }
    }

    /**
     * A rescale to twice the partitions (back to 12 from 48 on), killed with SIGKILL right after its cut-over
     * together with a counter-streams instance; the instance is restarted and the same rescale run again, which
     * must complete it: the count path ends settled at the new partition count, with events on every partition the
     * run's keys hash to.
     */
    static final class RescaleKill implements Scenario {
        private static final Duration STEP = Duration.ofSeconds(300);

        @Override
        public String name() {
            return "rescale-kill";
        }

        @Override
        public Result run(FaultContext context) throws Exception {
            FaultStack stack = context.stack();
            CountPath before = stack.countPath();
            int target = before.writeTo().partitions() < 48 ? before.writeTo().partitions() * 2 : 12;
            Rescaling first = stack.rescale(target);
            long cutoverAt;
            try {
                first.awaitOutput("to hand over", STEP);
                cutoverAt = context.now();
            } finally {
                first.kill();
            }
            StackProcess counter = context.running(Role.COUNTER_STREAMS, 0);
            stack.kill(counter);
            context.underLoad(Duration.ofSeconds(2));
            stack.restart(counter);
            Rescaling rerun = stack.rescale(target);
            int exit = rerun.awaitExit(STEP);
            long rescaled = context.now() - cutoverAt;
            context.underLoad(Duration.ofSeconds(8));
            CountPath after = stack.countPath();
            List<String> violations = new ArrayList<>(context.serverErrorsSince(cutoverAt));
            if (exit != 0) {
                violations.add("the rerun rescale exited " + exit + " (log " + rerun.log() + ")");
            }
            if (after.phase() != CountPath.Phase.SETTLED || after.writeTo().partitions() != target) {
                violations.add("count path after the rerun: " + after + ", not settled at " + target);
            }
            int withEvents = CommittedEvents.read(stack.bootstrapServers()).partitionsWithEvents()
                    .getOrDefault(after.writeTo().eventsTopic(), 0);
            // the run's keys land on these partitions of the new topic (Kafka's key partitioner); no more can fill
            long keyed = context.keys().stream().mapToInt(after.writeTo()::partitionOf).distinct().count();
            if (withEvents != keyed) {
                violations.add(withEvents + " partitions of " + after.writeTo().eventsTopic() + " hold events, but the "
                        + "run's keys hash to " + keyed + " of its " + target);
            }
            return new Result("rescale " + before.writeTo().partitions() + " -> " + target + " SIGKILLed after its "
                    + "cut-over with counter-streams :" + counter.port() + ", counter restarted, rescale rerun (done "
                    + Reports.seconds(rescaled) + " after the kill)", cutoverAt, null, violations,
                    List.of(withEvents + " of " + target + " partitions of " + after.writeTo().eventsTopic()
                            + " hold events (the " + context.keys().size() + " keys hash to " + keyed + ")"));
        }
    }
}
