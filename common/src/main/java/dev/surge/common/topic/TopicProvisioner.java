package dev.surge.common.topic;

import dev.surge.common.config.TopicSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Surge's topics when they are missing (generation 1's events, the acks, the count path, the dead letters)
 * and reports the partition counts that exist. Every service calls it at start, so any one of them can be first on a
 * new cluster; an existing topic is left as it is.
 */
public final class TopicProvisioner {
    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    private static final long RETRY_BACKOFF_MS = 100;

    private final Admin admin;
    private final Duration timeout;

    public TopicProvisioner(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeout = timeout;
    }

    /** Partition counts of {@code load-events} and {@code load-acks} as they exist after this call. */
    public record Partitions(int loadEvents, int loadAcks) {
    }

    public Partitions ensure(TopicSettings settings) {
        Map<String, String> configs = settings.topicConfigs();
        create(new NewTopic(Topics.LOAD_EVENTS.name(), settings.loadEventPartitions(), settings.replicationFactor())
                .configs(configs));
        create(new NewTopic(Topics.LOAD_ACKS.name(), settings.ackPartitions(), settings.replicationFactor())
                .configs(configs));
        Map<String, String> compacted = new HashMap<>(configs);
        compacted.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        create(new NewTopic(Topics.COUNT_PATH.name(), 1, settings.replicationFactor()).configs(compacted));
        // Created like load-events (its partition count and replication), so a writer that floods the events topic
        // with bad records meets as many partitions in the dead-letter topic; the broker's default retention.
        create(new NewTopic(Topics.DEAD_LETTERS.name(), settings.loadEventPartitions(), settings.replicationFactor())
                .configs(configs));
        Partitions partitions = new Partitions(
                describe(Topics.LOAD_EVENTS.name()).partitions().size(),
                describe(Topics.LOAD_ACKS.name()).partitions().size());
        if (partitions.loadEvents() != settings.loadEventPartitions()) {
            LOG.info("Topic {} exists with {} partitions (configured {}): the existing count is kept; "
                            + "'./surge rescale' changes the count path's partitions",
                    Topics.LOAD_EVENTS.name(), partitions.loadEvents(), settings.loadEventPartitions());
        }
        return partitions;
    }

    /** Creates {@code topic} unless it exists; fails when it exists with another partition count. */
    public void ensureExactly(NewTopic topic) {
        create(topic);
        int partitions = describe(topic.name()).partitions().size();
        if (partitions != topic.numPartitions()) {
            throw new IllegalStateException("Topic " + topic.name() + " exists with " + partitions
                    + " partitions, not the " + topic.numPartitions() + " expected");
        }
    }

    /**
     * The topic as the cluster describes it, waiting (up to the timeout) for a just-created one to appear in the
     * metadata every broker serves.
     */
    public TopicDescription describe(String topic) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return await(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                pause(e);
            }
        }
    }

    private static void pause(IllegalStateException e) {
        try {
            Thread.sleep(RETRY_BACKOFF_MS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    private void create(NewTopic topic) {
        try {
            await(admin.createTopics(List.of(topic)).all());
            LOG.info("Created topic {} with {} partitions", topic.name(), topic.numPartitions());
        } catch (IllegalStateException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    private <T> T await(org.apache.kafka.common.KafkaFuture<T> future) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while provisioning topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot provision topics: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within " + timeout + " while provisioning topics", e);
        }
    }
}
