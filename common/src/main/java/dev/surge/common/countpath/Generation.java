package dev.surge.common.countpath;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.surge.common.event.LoadKey;

/**
 * One generation of the count path: an events topic with a fixed partition count, and the Kafka Streams
 * application (its own {@code application.id}, so its own changelogs) that counts it. A rescale starts the next
 * generation beside this one and hands every key's state over to it; Kafka Streams itself cannot change the
 * partition count under a stateful application.
 *
 * <p>Generation 1 keeps the names Surge used before generations existed ({@code load-events}, the configured
 * application id), so existing data carries on.
 *
 * @param number     1, 2, ...: each rescale adds one
 * @param partitions partitions of this generation's events topic (and of its hand-over topic)
 */
public record Generation(int number, int partitions) {
    public static final String FIRST_EVENTS_TOPIC = "load-events";

    public Generation {
        if (number < 1) {
            throw new IllegalArgumentException("generation should be at least 1 but was " + number);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions should be at least 1 but was " + partitions);
        }
    }

    /** Where ingest-api writes this generation's events, keyed by load key. */
    @JsonIgnore
    public String eventsTopic() {
        return eventsTopic(number);
    }

    public static String eventsTopic(int number) {
        return number == 1 ? FIRST_EVENTS_TOPIC : FIRST_EVENTS_TOPIC + "-g" + number;
    }

    /** Where the previous generation hands each key's state to this one (generation 2 and later). */
    @JsonIgnore
    public String handoverTopic() {
        return handoverTopic(number);
    }

    public static String handoverTopic(int number) {
        if (number < 2) {
            throw new IllegalArgumentException("generation 1 has no predecessor, so no hand-over topic");
        }
        return "load-handover-g" + number;
    }

    /** The Streams application id of this generation, from the configured base id. */
    public String applicationId(String base) {
        return number == 1 ? base : base + "-g" + number;
    }

    /**
     * The partition of this generation's events topic that holds {@code loadKey} ({@link LoadKey#partition}: where
     * the Kafka producer puts a record with that key), so state handed over lands where the key's events do.
     */
    public int partitionOf(String loadKey) {
        return LoadKey.partition(loadKey, partitions);
    }
}
