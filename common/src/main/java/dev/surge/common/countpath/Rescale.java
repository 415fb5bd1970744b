package dev.surge.common.countpath;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.TopicSettings;
import dev.surge.common.topic.TopicProvisioner;
import dev.surge.common.topic.Topics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code ./surge rescale}: takes the count path from its partition count to another while clients keep posting.
 * Each step is safe to repeat, so a rescale interrupted anywhere (this process or any service killed) completes
 * when run again with the same target:
 * <ol>
 *   <li>create the next generation's events and hand-over topics;</li>
 *   <li>PREPARING: counter-streams instances start the next generation's application beside the current one;
 *       wait until each of its tasks runs (a ready marker on its hand-over partition) and both generations' groups
 *       are stable;</li>
 *   <li>CUTOVER: ingest-api instances write to the next generation; the previous generation's tasks hand their state
 *       over and forward late events; wait until every hand-over is written;</li>
 *   <li>wait until the previous generation's topic is quiet and fully consumed, then SETTLED: the previous
 *       generation's application stops.</li>
 * </ol>
 */
public final class Rescale {
    private static final Duration QUIET = Duration.ofSeconds(3);
    private static final Duration SETTLE = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaSettings kafka;
    private final String applicationId;
    private final TopicSettings topics;
    private final Duration timeout;
    private final PrintStream out;

    /**
     * @param applicationId     counter-streams' configured application id (generation 1's; later ones add -gN)
     * @param topics            replication (and min.insync.replicas) of the new generation's topics
     * @param timeout           the longest wait for each step
     */
    public Rescale(KafkaSettings kafka, String applicationId, TopicSettings topics, Duration timeout,
                   PrintStream out) {
        this.kafka = kafka;
        this.applicationId = applicationId;
        this.topics = topics;
        this.timeout = timeout;
        this.out = out;
    }

    /** What one rescale did and how long its steps took. */
    public record Result(CountPath path, boolean changed, long prepareMs, long handoverMs, long settleMs) {
    }

    public Result to(int partitions) throws InterruptedException {
        if (partitions < 1 || partitions > 10_000) {
            throw new IllegalArgumentException("--partitions should be between 1 and 10000 but was " + partitions);
        }
        try (Admin admin = Admin.create(kafka.clientConfig(Map.of()));
             KafkaProducer<String, CountPath> producer = new KafkaProducer<>(kafka.clientConfig(Map.of(
                     ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)),
                     Topics.COUNT_PATH.keySerde().serializer(), Topics.COUNT_PATH.valueSerde().serializer())) {
            TopicProvisioner provisioner = new TopicProvisioner(admin, timeout);
            Map<String, String> compacted = new java.util.HashMap<>(topics.topicConfigs());
            compacted.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
            provisioner.ensureExactly(new NewTopic(Topics.COUNT_PATH.name(), 1, topics.replicationFactor())
                    .configs(compacted));
            CountPath path = CountPathWatcher.readOnce(kafka, admin, "surge-rescale-read", timeout);
            out.println("Count path now: " + CountPathWatcher.describe(path));
            if (path.phase() == CountPath.Phase.SETTLED) {
                if (path.current().partitions() == partitions) {
                    out.println("Already at " + partitions + " partitions: nothing to do.");
                    return new Result(path, false, 0, 0, 0);
                }
            } else if (path.current().partitions() != partitions) {
                throw new IllegalStateException("A rescale to " + path.current().partitions() + " partitions is "
                        + "under way (" + path.phase() + "): run 'surge rescale --partitions "
                        + path.current().partitions() + "' to complete it first");
            }
            Generation next = path.phase() == CountPath.Phase.SETTLED
                    ? new Generation(path.current().number() + 1, partitions) : path.current();
            long started = System.nanoTime();
            provisioner.ensureExactly(new NewTopic(next.eventsTopic(), partitions, topics.replicationFactor())
                    .configs(topics.topicConfigs()));
            provisioner.ensureExactly(new NewTopic(next.handoverTopic(), partitions, topics.replicationFactor())
                    .configs(topics.topicConfigs()));
            if (path.phase() == CountPath.Phase.SETTLED) {
                path = write(producer, path.preparing(partitions));
            }
            if (path.phase() == CountPath.Phase.PREPARING) {
                awaitTasksRunning(next);
                awaitAssigned(admin, next, path.previous());
                path = write(producer, path.cutover());
            }
            long prepared = System.nanoTime();
            awaitHandover(next, path.previous());
            long handedOver = System.nanoTime();
            awaitQuiet(admin, path.previous());
            path = write(producer, path.settled());
            long settled = System.nanoTime();
            Result result = new Result(path, true, millis(prepared - started), millis(handedOver - prepared),
                    millis(settled - handedOver));
            out.printf("Rescaled to %d partitions (generation %d): prepared in %d ms, handed over in %d ms, "
                            + "settled in %d ms%n", partitions, next.number(), result.prepareMs(),
                    result.handoverMs(), result.settleMs());
            return result;
        }
    }

    private CountPath write(KafkaProducer<String, CountPath> producer, CountPath path) throws InterruptedException {
        try {
            producer.send(new ProducerRecord<>(Topics.COUNT_PATH.name(), 0, Topics.COUNT_PATH_KEY, path))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not write the count path: " + e.getMessage(), e);
        }
        out.println("Count path: " + CountPathWatcher.describe(path));
        return path;
    }

    /**
     * Until the consumer groups of both generations are stable with every events partition assigned, and have stayed
     * so for {@link #SETTLE}: instances that start the new generation at different moments rebalance it more than
     * once, and a task that moves during the cut-over (in either generation) holds its events until it runs again.
     */
    private void awaitAssigned(Admin admin, Generation next, Generation previous) throws InterruptedException {
        out.println("Waiting for counter-streams to start generation " + next.number() + " ("
                + next.applicationId(applicationId) + ") ...");
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        long settledSince = System.nanoTime();
        String why = "not described yet";
        while (System.nanoTime() < deadline) {
            try {
                String both = assignment(admin, next) + " | " + assignment(admin, previous);
                if (!both.equals(last)) {
                    last = both;
                    settledSince = System.nanoTime();
                }
                if (System.nanoTime() - settledSince >= SETTLE.toNanos()) {
                    return;
                }
            } catch (NotSettled e) {
                why = e.getMessage();
                last = null;
            }
            Thread.sleep(POLL.toMillis());
        }
        throw new IllegalStateException("Generation " + next.number() + " did not settle within " + timeout + " ("
                + why + "): is counter-streams running? Rerun the same rescale to continue");
    }

    /** A generation's group membership and assignment, when it is stable with every partition assigned. */
    private String assignment(Admin admin, Generation generation) throws InterruptedException, NotSettled {
        String group = generation.applicationId(applicationId);
        ConsumerGroupDescription description;
        try {
            description = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new NotSettled(group + " cannot be described: " + e.getMessage());
        }
        Set<Integer> assigned = description.members().stream()
                .flatMap(member -> member.assignment().topicPartitions().stream())
                .filter(tp -> tp.topic().equals(generation.eventsTopic()))
                .map(TopicPartition::partition)
                .collect(Collectors.toSet());
        if (description.groupState() != GroupState.STABLE || assigned.size() != generation.partitions()) {
            throw new NotSettled(group + " is " + description.groupState() + " with " + assigned.size() + " of "
                    + generation.partitions() + " partitions assigned");
        }
        return description.members().stream()
                .map(member -> member.consumerId() + member.assignment().topicPartitions()).sorted().toList()
                .toString();
    }

    private static final class NotSettled extends Exception {
        NotSettled(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Until every task of the new generation has said it runs (a ready marker on its hand-over partition): opening
     * a task's stores takes a while, and an event that reaches a task still starting waits for it.
     */
    private void awaitTasksRunning(Generation next) throws InterruptedException {
        out.println("Waiting for generation " + next.number() + "'s " + next.partitions() + " tasks to run ...");
        Set<Integer> running = new HashSet<>();
        readHandovers(next, "the tasks of generation " + next.number() + " to run",
                () -> running.size() == next.partitions(), record -> {
                    if (record.value() != null && record.value().taskReady()) {
                        running.add(record.partition());
                    }
                });
    }

    /** Until every partition of {@code next} has a done hand-over from every partition of {@code previous}. */
    private void awaitHandover(Generation next, Generation previous) throws InterruptedException {
        out.println("Waiting for generation " + previous.number() + " to hand over ...");
        Map<Integer, Set<Integer>> done = new HashMap<>();
        readHandovers(next, "the hand-over to generation " + next.number() + " to complete",
                () -> done.values().stream().mapToInt(Set::size).sum() == next.partitions() * previous.partitions(),
                record -> {
                    if (record.value() != null && record.value().done() && !record.value().taskReady()) {
                        done.computeIfAbsent(record.partition(), p -> new HashSet<>())
                                .add(record.value().fromPartition());
                    }
                });
    }

    /** Reads {@code next}'s hand-over topic (committed records only) from its start until {@code until} holds. */
    private void readHandovers(Generation next, String what, BooleanSupplier until,
                               Consumer<ConsumerRecord<String, Handover>> each) throws InterruptedException {
        try (KafkaConsumer<String, Handover> consumer = new KafkaConsumer<>(kafka.clientConfig(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase(
                        java.util.Locale.ROOT),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)),
                new StringDeserializer(), Topics.HANDOVER.deserializer())) {
            List<TopicPartition> partitions = IntStream.range(0, next.partitions())
                    .mapToObj(p -> new TopicPartition(next.handoverTopic(), p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!until.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Waited " + timeout + " for " + what + ": is counter-streams "
                            + "running? Rerun the same rescale to continue");
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                consumer.poll(POLL).forEach(each);
            }
        }
    }

    /**
     * Until nothing more is written to the previous generation's topic (every ingest-api instance has switched) and
     * its application has consumed all of it (every late event has been forwarded).
     */
    private void awaitQuiet(Admin admin, Generation previous) throws InterruptedException {
        out.println("Waiting for generation " + previous.number() + "'s topic to fall quiet ...");
        String group = previous.applicationId(applicationId);
        Map<TopicPartition, OffsetSpec> latest = IntStream.range(0, previous.partitions()).boxed().collect(
                Collectors.toMap(p -> new TopicPartition(previous.eventsTopic(), p), p -> OffsetSpec.latest()));
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> lastEnds = Map.of();
        long quietSince = System.nanoTime();
        while (true) {
            Map<TopicPartition, Long> ends;
            Map<TopicPartition, OffsetAndMetadata> committed;
            try {
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> listed =
                        admin.listOffsets(latest).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                ends = listed.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                        entry -> entry.getValue().offset()));
                committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("Could not read offsets of " + previous.eventsTopic() + ": "
                        + e.getMessage(), e);
            }
            if (!ends.equals(lastEnds)) {
                lastEnds = ends;
                quietSince = System.nanoTime();
            }
            boolean consumed = ends.entrySet().stream().allMatch(end -> end.getValue() == 0
                    || committed.get(end.getKey()) != null && committed.get(end.getKey()).offset() >= end.getValue());
            if (consumed && System.nanoTime() - quietSince >= QUIET.toNanos()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(previous.eventsTopic() + " is still written to or not fully "
                        + "consumed after " + timeout + ": rerun the same rescale to continue");
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private static long millis(long nanos) {
        return nanos / 1_000_000;
    }
}
