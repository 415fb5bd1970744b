package dev.surge.common.config;

import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;

/**
 * How Surge's topics are created when they are missing. An existing topic is never changed here: the count path's
 * partitions change only through a rescale (a new generation, see {@code dev.surge.common.countpath}).
 *
 * @param loadEventPartitions partitions of {@code load-events} (generation 1) when it is created
 * @param ackPartitions       partitions of {@code load-acks}: the most ingest-api instances that can answer with counts
 * @param replicationFactor   replication of both topics and of Streams' internal topics
 * @param minInsyncReplicas   {@code min.insync.replicas} of those topics: replicas an {@code acks=all} write must
 *                            reach before it is acknowledged (written to the topics only when replicated, see
 *                            {@link #topicConfigs()})
 */
public record TopicSettings(int loadEventPartitions, int ackPartitions, short replicationFactor,
                            int minInsyncReplicas) {
    public static final int DEFAULT_PARTITIONS = 12;

    public TopicSettings {
        if (loadEventPartitions < 1) {
            throw new SettingException("load-events partitions should be greater than 0 but was " + loadEventPartitions);
        }
        if (ackPartitions < 1) {
            throw new SettingException("load-acks partitions should be greater than 0 but was " + ackPartitions);
        }
        if (replicationFactor < 1) {
            throw new SettingException("replication factor should be greater than 0 but was " + replicationFactor);
        }
        if (minInsyncReplicas < 1 || minInsyncReplicas > replicationFactor) {
            throw new SettingException("min.insync.replicas should be between 1 and the replication factor ("
                    + replicationFactor + ") but was " + minInsyncReplicas);
        }
    }

    /**
     * Kafka's default, 1, unless three or more replicas are kept: then 2, so that an acknowledged write is on two
     * brokers and one broker may fail while writes go on.
     */
    public static int defaultMinInsyncReplicas(int replicationFactor) {
        return replicationFactor >= 3 ? 2 : 1;
    }

    /**
     * Settings every topic Surge creates gets: {@code min.insync.replicas} when the topics are replicated (nothing
     * with one replica, where it can only be 1).
     */
    public Map<String, String> topicConfigs() {
        return replicationFactor > 1
                ? Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minInsyncReplicas))
                : Map.of();
    }

    public static TopicSettings from(Settings settings) {
        short replicationFactor = (short) settings.integer("replication.factor", 1, 1, Short.MAX_VALUE);
        return new TopicSettings(
                settings.integer("load.events.partitions", DEFAULT_PARTITIONS, 1, 10_000),
                settings.integer("ack.partitions", DEFAULT_PARTITIONS, 1, 10_000),
                replicationFactor,
                settings.integer("min.insync.replicas", defaultMinInsyncReplicas(replicationFactor), 1,
                        Short.MAX_VALUE));
    }
}
