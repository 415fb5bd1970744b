package dev.surge.common.config;

/**
 * How Surge's topics are created when they are missing. An existing topic is never changed here: the count path's
 * partitions change only through a rescale (a new generation, see {@code dev.surge.common.countpath}).
 *
 * @param loadEventPartitions partitions of {@code load-events} (generation 1) when it is created
 * @param ackPartitions       partitions of {@code load-acks}: the most ingest-api instances that can answer with counts
 * @param replicationFactor   replication of both topics and of Streams' internal topics
 */
public record TopicSettings(int loadEventPartitions, int ackPartitions, short replicationFactor) {
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
    }

    public static TopicSettings from(Settings settings) {
        return new TopicSettings(
                settings.integer("load.events.partitions", DEFAULT_PARTITIONS, 1, 10_000),
                settings.integer("ack.partitions", DEFAULT_PARTITIONS, 1, 10_000),
                (short) settings.integer("replication.factor", 1, 1, Short.MAX_VALUE));
    }
}
