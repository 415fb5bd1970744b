package dev.surge.ingest.ack;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.event.AckRecord;
import dev.surge.common.event.CountAck;
import dev.surge.common.event.SliceAck;
import dev.surge.common.topic.Topics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the {@code load-acks} partitions that the consumer group assigns to this instance, and only those: N
 * ingest-api instances share the ack stream instead of each reading all of it. A request is stamped with one owned
 * partition; counter-streams sends its ack there (for a batch, every slice's ack).
 *
 * <p>A partition becomes usable only after its end offset is known, so no ack sent to it can be missed. When a
 * partition moves away (an instance joined or left), no new request is stamped with it, and the requests already
 * waiting on it keep waiting: a second consumer, {@code assign()}ed rather than a group member (reading needs no
 * ownership), reads the partition on from where the group consumer stopped until none of them waits any more (each
 * is answered or times out). The new owner starts at the end offset and ignores acks it did not ask for.
 *
 * <p>With an instance id the consumer is a static member of the group ({@code group.instance.id}), which is what lets
 * a restarted instance answer with counts at once. A member that dies without leaving (SIGKILL, out of memory, a lost
 * machine) keeps its partitions until its session times out on the broker ({@code group.consumer.session.timeout.ms},
 * 45 s by default), and under the {@code consumer} protocol the coordinator refuses a new member with the same
 * instance id meanwhile ({@code UNRELEASED_INSTANCE_ID}, which the consumer treats as fatal). So before it joins, a
 * starting instance removes the member that still holds its id ({@link #releaseInstanceId}): that member's partitions
 * are free at once, and this one joins in its place. On close the consumer leaves the group for good
 * ({@code LEAVE_GROUP}): a static member that closes with the default only says it will be back, and keeps its
 * partitions until its session times out, which would stall the requests of an instance that is stopped for good.
 */
public final class KafkaAckInbox implements AckInbox, ConsumerRebalanceListener {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaAckInbox.class);

    private final Consumer<String, AckRecord> consumer;
    private final Consumer<String, AckRecord> revokedReader;
    private final BlockingQueue<RevokedPartition> revoked = new LinkedBlockingQueue<>();
    /** Per owned partition, the offset from which no ack has been delivered yet (poll thread only). */
    private final Map<TopicPartition, Long> readUpTo = new HashMap<>();
    private final Map<String, PendingAck> pending = new ConcurrentHashMap<>();
    private final Map<String, PendingBatch> batches = new ConcurrentHashMap<>();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CompletableFuture<String> failed = new CompletableFuture<>();
    private final Thread pollThread;
    private final Thread revokedThread;
    private final CountDownLatch revokedStopped = new CountDownLatch(1);
    private volatile int[] owned = new int[0];
    private volatile boolean running = true;

    /**
     * @param consumer      the group member that owns reply partitions
     * @param revokedReader a consumer outside any group, for partitions that moved away while requests waited on them
     */
    public KafkaAckInbox(Consumer<String, AckRecord> consumer, Consumer<String, AckRecord> revokedReader) {
        this.consumer = consumer;
        this.revokedReader = revokedReader;
        this.pollThread = new Thread(this::pollLoop, "ack-inbox");
        this.pollThread.setDaemon(true);
        this.revokedThread = new Thread(this::readRevoked, "ack-inbox-revoked");
        this.revokedThread.setDaemon(true);
    }

    /**
     * @param instanceId the group member's {@code group.instance.id}; empty for a dynamic member. Call
     *                   {@link #releaseInstanceId} first.
     */
    public static KafkaAckInbox create(KafkaSettings kafka, String groupId, String clientId,
                                       Optional<String> instanceId) {
        Map<String, Object> readerConfig = new HashMap<>(consumerConfig(kafka, groupId, clientId + "-revoked",
                Optional.empty()));
        readerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
        readerConfig.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        readerConfig.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        return new KafkaAckInbox(
                new KafkaConsumer<>(consumerConfig(kafka, groupId, clientId, instanceId),
                        Topics.LOAD_ACKS.keySerde().deserializer(), Topics.LOAD_ACKS.valueSerde().deserializer()),
                new KafkaConsumer<>(readerConfig,
                        Topics.LOAD_ACKS.keySerde().deserializer(), Topics.LOAD_ACKS.valueSerde().deserializer()));
    }

    /** The consumer's settings: every {@code kafka.*} setting (SASL, SSL, ...) over these defaults. */
    public static Map<String, Object> consumerConfig(KafkaSettings kafka, String groupId, String clientId,
                                                     Optional<String> instanceId) {
        Map<String, Object> defaults = new HashMap<>(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, groupId,
                ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer",
                // Acks are written in Streams' transactions: an aborted one must never hand out a count.
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"));
        instanceId.ifPresent(id -> defaults.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
        return kafka.clientConfig(defaults);
    }

    /**
     * Removes the member of {@code groupId} that holds {@code instanceId}, if there is one: an earlier run of this
     * instance that did not leave the group. Its reply partitions are free once this returns. Returns whether there
     * was such a member.
     *
     * <p>If another running process has the same instance id (a misconfiguration), this removes that process's
     * membership: it gets no reply partition back, and answers 202 until it is restarted.
     */
    public static boolean releaseInstanceId(Admin admin, String groupId, String instanceId, Duration timeout) {
        try {
            admin.removeMembersFromConsumerGroup(groupId, new RemoveMembersFromConsumerGroupOptions(
                    List.of(new MemberToRemove(instanceId)))).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Removed the member with instance id {} from group {}: an earlier run that did not leave",
                    instanceId, groupId);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownMemberIdException || e.getCause() instanceof GroupIdNotFoundException) {
                return false;
            }
            throw new IllegalStateException("Cannot remove an earlier member with instance id " + instanceId
                    + " from group " + groupId + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not remove an earlier member with instance id " + instanceId
                    + " from group " + groupId + " within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while removing an earlier member with instance id "
                    + instanceId + " from group " + groupId, e);
        }
    }

    /** The ack consumer's own metrics (kafka_consumer_*, lag included), for the registry that serves /metrics. */
    public KafkaClientMetrics meters() {
        return new KafkaClientMetrics(consumer);
    }

    /**
     * Completes, with the reason, if the ack consumer fails for good (a fatal group error such as
     * {@code GROUP_ID_NOT_FOUND}); never completes on {@link #close()}. The instance can then answer no request with its
     * count: whoever runs it should stop it.
     */
    public CompletableFuture<String> failed() {
        return failed;
    }

    public KafkaAckInbox start() {
        pollThread.start();
        revokedThread.start();
        return this;
    }

    @Override
    public Optional<PendingAck> expect(String eventId) {
        return register(pending, eventId, partition -> new PendingAck(eventId, partition, new CompletableFuture<>()),
                PendingAck::ack);
    }

    @Override
    public Optional<PendingBatch> expectBatch(String batchId, int events) {
        return register(batches, batchId, partition -> new PendingBatch(batchId, partition, events),
                PendingBatch::done);
    }

    /** Stamps a new request with the next owned partition (round robin) and keeps it until {@code done}. */
    private <T extends Awaited> Optional<T> register(Map<String, T> waiting, String id, IntFunction<T> stamped,
                                                     Function<T, CompletableFuture<?>> done) {
        int[] partitions = owned;
        if (partitions.length == 0) {
            return Optional.empty();
        }
        T request = stamped.apply(partitions[Math.floorMod(roundRobin.getAndIncrement(), partitions.length)]);
        waiting.put(id, request);
        done.apply(request).whenComplete((result, error) -> waiting.remove(id, request));
        return Optional.of(request);
    }

    /** Every request waiting now, single and batched. */
    private Stream<Awaited> waiting() {
        return Stream.concat(pending.values().stream(), batches.values().stream());
    }

    @Override
    public void forget(PendingAck waiting) {
        waiting.release();
    }

    @Override
    public List<Integer> ownedPartitions() {
        return Arrays.stream(owned).boxed().toList();
    }

    private void pollLoop() {
        try {
            consumer.subscribe(List.of(Topics.LOAD_ACKS.name()), this);
            while (running) {
                try {
                    for (ConsumerRecord<String, AckRecord> record : consumer.poll(Duration.ofMillis(100))) {
                        readUpTo.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
                        deliver(record.value());
                    }
                } catch (RecordDeserializationException e) {
                    LOG.warn("Skipping an unreadable ack at {} offset {}", e.topicPartition(), e.offset(), e);
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException e) {
            LOG.error("Ack inbox stopped: no reply partition is read any more", e);
            failed.complete("the ack consumer failed for good (" + e + "); without it no request can be answered "
                    + "with its count");
        } finally {
            owned = new int[0];
            releaseAll(waiting());
            // Leave for good, static member or not: the other instances take the reply partitions over now.
            consumer.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(5)));
            stopped.countDown();
        }
    }

    private void deliver(AckRecord record) {
        if (record instanceof CountAck ack) {
            PendingAck waiting = pending.get(ack.id());
            if (waiting != null) {
                waiting.ack().complete(ack);
            }
        } else if (record instanceof SliceAck ack) {
            PendingBatch waiting = batches.get(ack.batch());
            if (waiting != null) {
                waiting.counted(ack);
            }
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        consumer.seekToEnd(partitions);
        // Resolve the end now: from here on no ack can be missed.
        partitions.forEach(tp -> readUpTo.put(tp, consumer.position(tp)));
        Set<Integer> now = current();
        partitions.forEach(tp -> now.add(tp.partition()));
        publish(now);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        handOver(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        handOver(partitions);
    }

    /** Stops stamping requests with {@code partitions}; the requests waiting on them are read for elsewhere. */
    private void handOver(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Set<Integer> gone = new TreeSet<>();
        partitions.forEach(tp -> gone.add(tp.partition()));
        Set<Integer> now = current();
        now.removeAll(gone);
        publish(now);
        for (TopicPartition partition : partitions) {
            Long from = readUpTo.remove(partition);
            if (from == null) {
                releaseAll(waiting().filter(w -> w.replyPartition() == partition.partition()));
            } else {
                revoked.add(new RevokedPartition(partition, from));
            }
        }
    }

    /**
     * The revoked-partition reader's loop: follows each handed-over partition from where the group consumer stopped
     * while any request still waits on it, then drops it. Stops after {@link #close()}, once nothing is followed.
     */
    private void readRevoked() {
        Map<TopicPartition, Long> following = new HashMap<>();
        try {
            while (running || !following.isEmpty()) {
                RevokedPartition next = following.isEmpty()
                        ? revoked.poll(100, TimeUnit.MILLISECONDS)
                        : revoked.poll();
                boolean changed = false;
                for (; next != null; next = revoked.poll()) {
                    following.put(next.partition(), next.from());
                    changed = true;
                }
                if (!following.isEmpty()) {
                    Set<Integer> waitedOn = new HashSet<>();
                    waiting().forEach(w -> waitedOn.add(w.replyPartition()));
                    changed |= following.keySet().removeIf(tp -> !waitedOn.contains(tp.partition()));
                }
                if (changed) {
                    Set<TopicPartition> assigned = revokedReader.assignment();
                    revokedReader.assign(following.keySet());
                    following.forEach((tp, from) -> {
                        if (!assigned.contains(tp)) {
                            revokedReader.seek(tp, from);
                        }
                    });
                    if (!following.isEmpty()) {
                        LOG.info("Reading revoked reply partitions {} for the requests still waiting on them",
                                new TreeSet<>(following.keySet().stream().map(TopicPartition::partition).toList()));
                    }
                }
                if (following.isEmpty()) {
                    continue;
                }
                try {
                    for (ConsumerRecord<String, AckRecord> record : revokedReader.poll(Duration.ofMillis(50))) {
                        deliver(record.value());
                    }
                } catch (RecordDeserializationException e) {
                    LOG.warn("Skipping an unreadable ack at {} offset {}", e.topicPartition(), e.offset(), e);
                    revokedReader.seek(e.topicPartition(), e.offset() + 1);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("Revoked reply partition reader stopped; requests waiting on moved partitions get 202", e);
        } finally {
            revokedReader.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            revokedStopped.countDown();
        }
    }

    /** A reply partition that moved away, and the offset from which its acks have not been delivered yet. */
    private record RevokedPartition(TopicPartition partition, long from) {
    }

    private static void releaseAll(Stream<Awaited> waiting) {
        waiting.toList().forEach(Awaited::release);
    }

    private Set<Integer> current() {
        Set<Integer> now = new TreeSet<>();
        for (int partition : owned) {
            now.add(partition);
        }
        return now;
    }

    private void publish(Set<Integer> partitions) {
        owned = partitions.stream().mapToInt(Integer::intValue).toArray();
        LOG.info("Reply partitions of {} now {}", Topics.LOAD_ACKS.name(), partitions);
    }

    /**
     * Stops reading. Requests still waiting are answered 202; to avoid that, stop taking requests and let the waiting
     * ones be answered first (see {@code IngestApp#drain}).
     */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            if (!stopped.await(10, TimeUnit.SECONDS)) {
                LOG.warn("Ack inbox did not stop within 10 s");
            }
            if (!revokedStopped.await(10, TimeUnit.SECONDS)) {
                LOG.warn("Revoked reply partition reader did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
