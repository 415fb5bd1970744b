package dev.surge.ingest.ack;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.event.CountAck;
import dev.surge.common.topic.Topics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the {@code load-acks} partitions that the consumer group assigns to this instance, and only those: N
 * ingest-api instances share the ack stream instead of each reading all of it. A request is stamped with one owned
 * partition; counter-streams sends its ack there.
 *
 * <p>A partition becomes usable only after its end offset is known, so no ack sent to it can be missed. When a
 * partition moves away (an instance joined or left), the requests waiting on it are released at once and answered
 * 202: their events are durable and counted, but the count goes to the partition's new owner.
 */
public final class KafkaAckInbox implements AckInbox, ConsumerRebalanceListener {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaAckInbox.class);

    private final Consumer<String, CountAck> consumer;
    private final Map<String, PendingAck> pending = new ConcurrentHashMap<>();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread pollThread;
    private volatile int[] owned = new int[0];
    private volatile boolean running = true;

    public KafkaAckInbox(Consumer<String, CountAck> consumer) {
        this.consumer = consumer;
        this.pollThread = new Thread(this::pollLoop, "ack-inbox");
        this.pollThread.setDaemon(true);
    }

    public static KafkaAckInbox create(KafkaSettings kafka, String groupId, String clientId) {
        return new KafkaAckInbox(new KafkaConsumer<>(consumerConfig(kafka, groupId, clientId),
                Topics.LOAD_ACKS.keySerde().deserializer(), Topics.LOAD_ACKS.valueSerde().deserializer()));
    }

    /** The consumer's settings: every {@code kafka.*} setting (SASL, SSL, ...) over these defaults. */
    public static Map<String, Object> consumerConfig(KafkaSettings kafka, String groupId, String clientId) {
        Map<String, Object> defaults = Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, groupId,
                ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer",
                // Acks are written in Streams' transactions: an aborted one must never hand out a count.
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        return kafka.clientConfig(defaults);
    }

    /** The ack consumer's own metrics (kafka_consumer_*, lag included), for the registry that serves /metrics. */
    public KafkaClientMetrics meters() {
        return new KafkaClientMetrics(consumer);
    }

    public KafkaAckInbox start() {
        pollThread.start();
        return this;
    }

    @Override
    public Optional<PendingAck> expect(String eventId) {
        int[] partitions = owned;
        if (partitions.length == 0) {
            return Optional.empty();
        }
        int partition = partitions[Math.floorMod(roundRobin.getAndIncrement(), partitions.length)];
        PendingAck waiting = new PendingAck(eventId, partition, new CompletableFuture<>());
        pending.put(eventId, waiting);
        waiting.ack().whenComplete((ack, error) -> pending.remove(eventId, waiting));
        return Optional.of(waiting);
    }

    @Override
    public void forget(PendingAck waiting) {
        waiting.ack().complete(null);
    }

    @Override
    public int ownedPartitions() {
        return owned.length;
    }

    private void pollLoop() {
        try {
            consumer.subscribe(List.of(Topics.LOAD_ACKS.name()), this);
            while (running) {
                try {
                    for (ConsumerRecord<String, CountAck> record : consumer.poll(Duration.ofMillis(100))) {
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
            LOG.error("Ack inbox stopped; requests will be answered 202 until restart", e);
        } finally {
            owned = new int[0];
            releaseAll(pending.values());
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
            stopped.countDown();
        }
    }

    private void deliver(CountAck ack) {
        if (ack == null) {
            return;
        }
        PendingAck waiting = pending.get(ack.id());
        if (waiting != null) {
            waiting.ack().complete(ack);
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve the end now: from here on no ack can be missed
        Set<Integer> now = current();
        partitions.forEach(tp -> now.add(tp.partition()));
        publish(now);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        release(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        release(partitions);
    }

    private void release(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Set<Integer> gone = new TreeSet<>();
        partitions.forEach(tp -> gone.add(tp.partition()));
        Set<Integer> now = current();
        now.removeAll(gone);
        publish(now);
        releaseAll(pending.values().stream().filter(p -> gone.contains(p.replyPartition())).toList());
    }

    private static void releaseAll(Collection<PendingAck> waiting) {
        List.copyOf(waiting).forEach(p -> p.ack().complete(null));
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

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            if (!stopped.await(10, TimeUnit.SECONDS)) {
                LOG.warn("Ack inbox did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
