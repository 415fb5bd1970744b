package dev.surge.common.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.surge.common.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.OptionalInt;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Whether a record of an events topic is something counter-streams counts, and if not, why
 * ({@link DeadLetterReason}). One rule set for everything that reads those topics: counter-streams' gate and the fault
 * run's check of what was written.
 *
 * <p>Checked in this order, the first failure naming the reason: the value decodes as a {@link LoadEvent} or an
 * {@link EventSlice}; every load key in it follows {@link LoadKey}'s rules; the record key is the (first) load key's
 * UTF-8 bytes; every key of a slice hashes to the partition its first key does; a reply partition header, if there
 * is one, names a partition.
 */
public final class EventCheck {
    private static final Deserializer<EventRecord> EVENTS = Topics.LOAD_EVENTS.valueSerde().deserializer();
    private static final int SHOWN_CHARS = 200;

    /** The outcome of {@link #check}. */
    public sealed interface Verdict permits Valid, Invalid {
    }

    /** A record to count. */
    public record Valid(EventRecord record) implements Verdict {
    }

    /**
     * A record not to count.
     *
     * @param detail what is wrong, for a person (at most 200 characters of anything that came from outside)
     */
    public record Invalid(DeadLetterReason reason, String detail) implements Verdict {
    }

    private EventCheck() {
    }

    /**
     * @param topic          the topic it was read from (for the decoder)
     * @param partitions     the topic's partition count (a slice's keys must all hash to one of them)
     * @param key            the record key's bytes
     * @param value          the record value's bytes
     * @param replyPartition the record's last {@value Topics#REPLY_PARTITION_HEADER} header, or null
     */
    public static Verdict check(String topic, int partitions, byte[] key, byte[] value, Header replyPartition) {
        if (value == null) {
            return new Invalid(DeadLetterReason.UNDECODABLE, "the record has no value");
        }
        EventRecord event;
        try {
            event = EVENTS.deserialize(topic, value);
        } catch (SerializationException e) {
            return new Invalid(DeadLetterReason.UNDECODABLE, describe(e));
        }
        if (event == null) {
            return new Invalid(DeadLetterReason.UNDECODABLE, "the value is JSON null");
        }
        Invalid keys = event instanceof EventSlice slice ? checkSlice(slice) : checkKey(
                ((LoadEvent) event).key(), "load key");
        if (keys != null) {
            return keys;
        }
        if (!Arrays.equals(key, event.recordKey().getBytes(StandardCharsets.UTF_8))) {
            return new Invalid(DeadLetterReason.KEY_MISMATCH, "record key "
                    + (key == null ? "null" : "\"" + shown(new String(key, StandardCharsets.UTF_8)) + "\"")
                    + " is not the " + (event instanceof EventSlice ? "slice's first" : "event's") + " load key \""
                    + event.recordKey() + "\"");
        }
        if (event instanceof EventSlice slice) {
            Invalid split = checkOnePartition(slice, partitions);
            if (split != null) {
                return split;
            }
        }
        if (replyPartition != null && replyPartitionOf(replyPartition).isEmpty()) {
            return new Invalid(DeadLetterReason.BAD_REPLY_PARTITION, Topics.REPLY_PARTITION_HEADER + " header \""
                    + (replyPartition.value() == null ? "(no value)"
                    : shown(new String(replyPartition.value(), StandardCharsets.UTF_8)))
                    + "\" names no partition (a decimal number from 0 up)");
        }
        return new Valid(event);
    }

    private static Invalid checkKey(String loadKey, String what) {
        return LoadKey.isValid(loadKey) ? null : new Invalid(DeadLetterReason.INVALID_KEY, what + " \""
                + shown(loadKey) + "\" breaks the rules: " + LoadKey.describeRules());
    }

    private static Invalid checkSlice(EventSlice slice) {
        for (int i = 0; i < slice.size(); i++) {
            Invalid invalid = checkKey(slice.events().get(i).key(), "load key of slice event " + i);
            if (invalid != null) {
                return invalid;
            }
        }
        return null;
    }

    private static Invalid checkOnePartition(EventSlice slice, int partitions) {
        int partition = LoadKey.partition(slice.recordKey(), partitions);
        for (int i = 1; i < slice.size(); i++) {
            String other = slice.events().get(i).key();
            if (LoadKey.partition(other, partitions) != partition) {
                return new Invalid(DeadLetterReason.SPLIT_SLICE, "slice event " + i + "'s load key \"" + other
                        + "\" is not in partition " + partition + " of " + partitions + ", where the slice's first key \""
                        + slice.recordKey() + "\" is");
            }
        }
        return null;
    }

    /**
     * The partition a reply header names: a decimal number from 0 up, as ingest-api writes it. Empty for anything
     * else (no value, not a number, negative, beyond an int); an event with such a header is a dead letter.
     */
    public static OptionalInt replyPartitionOf(Header header) {
        if (header.value() == null) {
            return OptionalInt.empty();
        }
        try {
            int partition = Integer.parseInt(new String(header.value(), StandardCharsets.US_ASCII));
            return partition >= 0 ? OptionalInt.of(partition) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private static String describe(SerializationException e) {
        Throwable cause = e.getCause();
        String why = cause instanceof JsonProcessingException json ? json.getOriginalMessage()
                : cause == null ? null : cause.getMessage();
        return shown(why == null ? e.getMessage() : e.getMessage() + ": " + why);
    }

    /** At most {@value #SHOWN_CHARS} characters of text that came from outside. */
    private static String shown(String text) {
        return text.length() <= SHOWN_CHARS ? text : text.substring(0, SHOWN_CHARS) + "...";
    }
}
