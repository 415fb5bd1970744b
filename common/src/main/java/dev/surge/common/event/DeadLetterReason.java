package dev.surge.common.event;

import dev.surge.common.topic.Topics;

/**
 * Why a record of an events topic is not an event, as written in the {@value Topics#DEAD_LETTER_REASON_HEADER}
 * header and the {@code reason} tag of {@code surge_dead_letters_total}. The codes are stable: alerts and tools may
 * match on them. ingest-api checks all of this before it writes, so a dead letter comes from another writer.
 */
public enum DeadLetterReason {
    /**
     * No value, or neither a {@code LoadEvent} nor an {@code EventSlice} in JSON (not JSON, JSON null, an unknown
     * field, no id or key, a slice without events or with positions that do not match them).
     */
    UNDECODABLE("undecodable"),
    /** An event's load key breaks the key rules ({@code LoadKey}): 1-128 characters of A-Z a-z 0-9 . _ : - */
    INVALID_KEY("invalid-key"),
    /**
     * The record key is not the event's load key (a slice's: its first event's), as UTF-8 bytes: counted, it would land in a partition other
     * than the one that holds the key's count.
     */
    KEY_MISMATCH("key-mismatch"),
    /**
     * A batch slice whose events' keys do not all hash to the same partition of the topic: counted where it is, some
     * events would be counted away from their key's count.
     */
    SPLIT_SLICE("split-slice"),
    /**
     * A {@value Topics#REPLY_PARTITION_HEADER} header that does not name a partition: not a decimal number from 0
     * up. (No header at all is valid: ingest-api sends none for {@code ack=durable}.)
     */
    BAD_REPLY_PARTITION("bad-reply-partition");

    private final String code;

    DeadLetterReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
