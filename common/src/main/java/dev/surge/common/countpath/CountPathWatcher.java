package dev.surge.common.countpath;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.topic.TopicProvisioner;
import dev.surge.common.topic.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the {@code surge-count-path} topic: {@link #start(Duration)} reads it to its end before returning, so a
 * service knows the layout before it takes or counts an event; a background thread then applies every change and
 * tells the listeners, in order, on that thread.
 */
public final class CountPathWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CountPathWatcher.class);
    private static final TopicPartition PARTITION = new TopicPartition(Topics.COUNT_PATH.name(), 0);

    private final KafkaConsumer<String, CountPath> consumer;
    private final List<Consumer<CountPath>> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile CountPath current;
    private volatile boolean running = true;
    private volatile boolean following;

    /** @param initial the layout while the topic holds no record yet (before the first rescale) */
    public CountPathWatcher(KafkaSettings kafka, String clientId, CountPath initial) {
        this.current = Objects.requireNonNull(initial);
        this.consumer = new KafkaConsumer<>(kafka.clientConfig(Map.of(
                ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100)),
                Topics.COUNT_PATH.keySerde().deserializer(), Topics.COUNT_PATH.valueSerde().deserializer());
    }

    /** Reads the layout as it is now (within {@code timeout}), then follows changes in the background. */
    public CountPathWatcher start(Duration timeout) {
        readToEnd(timeout);
        LOG.info("Count path: {}", describe(current));
        following = true;
        Thread thread = new Thread(this::follow, "count-path-watcher");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /**
     * The count path as its topic says now, for a command that looks once: generation 1 with the partitions
     * {@code load-events} has when the topic holds no record yet (before the first rescale).
     */
    public static CountPath readOnce(KafkaSettings kafka, Admin admin, String clientId, Duration timeout) {
        int firstPartitions = new TopicProvisioner(admin, timeout).describe(Generation.FIRST_EVENTS_TOPIC)
                .partitions().size();
        try (CountPathWatcher watcher = new CountPathWatcher(kafka, clientId, CountPath.initial(firstPartitions))) {
            return watcher.readToEnd(timeout);
        }
    }

    /** Reads the layout as it is now, without following it (a watcher used this way is only closed after). */
    public CountPath readToEnd(Duration timeout) {
        consumer.assign(List.of(PARTITION));
        consumer.seekToBeginning(List.of(PARTITION));
        long end = consumer.endOffsets(List.of(PARTITION), timeout).get(PARTITION);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (consumer.position(PARTITION, timeout) < end) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Could not read " + PARTITION + " to its end within " + timeout);
            }
            consumer.poll(Duration.ofMillis(100)).forEach(this::apply);
        }
        return current;
    }

    public CountPath current() {
        return current;
    }

    /** Called on the watcher's thread after each change (not for the layout read by {@link #start}). */
    public void onChange(Consumer<CountPath> listener) {
        listeners.add(listener);
    }

    private void follow() {
        try {
            while (running) {
                for (ConsumerRecord<String, CountPath> record : consumer.poll(Duration.ofMillis(100))) {
                    if (apply(record)) {
                        LOG.info("Count path changed: {}", describe(current));
                        for (Consumer<CountPath> listener : listeners) {
                            listener.accept(current);
                        }
                    }
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("Count path watcher woken unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.error("Count path watcher stopped: later rescales will not be seen by this process", e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
            stopped.countDown();
        }
    }

    private boolean apply(ConsumerRecord<String, CountPath> record) {
        if (!Topics.COUNT_PATH_KEY.equals(record.key()) || record.value() == null
                || record.value().equals(current)) {
            return false;
        }
        current = record.value();
        return true;
    }

    public static String describe(CountPath path) {
        return switch (path.phase()) {
            case SETTLED -> "generation " + path.current().number() + " (" + path.current().eventsTopic() + ", "
                    + path.current().partitions() + " partitions)";
            case PREPARING -> "preparing generation " + path.current().number() + " (" + path.current().partitions()
                    + " partitions) beside generation " + path.previous().number();
            case CUTOVER -> "cutting over from generation " + path.previous().number() + " ("
                    + path.previous().partitions() + " partitions) to " + path.current().number() + " ("
                    + path.current().partitions() + " partitions)";
        };
    }

    @Override
    public void close() {
        if (!following) {
            consumer.close(Duration.ofSeconds(2));
            return;
        }
        running = false;
        consumer.wakeup();
        try {
            if (!stopped.await(5, TimeUnit.SECONDS)) {
                LOG.warn("Count path watcher did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
