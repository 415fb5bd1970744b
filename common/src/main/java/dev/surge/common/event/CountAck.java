package dev.surge.common.event;

import java.util.Objects;

/**
 * The authoritative running count of {@link #key()} after counting event {@link #id()}: exactly one per event,
 * written by counter-streams to {@code load-acks} in the same transaction as the count itself.
 *
 * @param duplicate true when the event repeated an idempotency key seen within the retention: it was not counted
 *                  again, and {@link #count()} is the count the first attempt got
 */
public record CountAck(String id, String key, long count, boolean duplicate) implements AckRecord {
    public CountAck {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
        if (count < 1) {
            throw new IllegalArgumentException("count should be at least 1 but was " + count);
        }
    }

    /** The ack of a newly counted event. */
    public CountAck(String id, String key, long count) {
        this(id, key, count, false);
    }
}
