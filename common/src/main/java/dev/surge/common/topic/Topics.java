package dev.surge.common.topic;

import dev.surge.common.countpath.CountPath;
import dev.surge.common.countpath.Handover;
import dev.surge.common.event.AckRecord;
import dev.surge.common.event.CompactRecords;
import dev.surge.common.event.EventRecord;
import dev.surge.common.serde.CompactSerde;
import dev.surge.common.serde.JsonSerde;
import org.apache.kafka.common.serialization.Serdes;

/** Every topic Surge reads or writes, and the headers that travel on its records. */
public final class Topics {
    /**
     * Accepted events ({@code LoadEvent}s, and batch slices, {@code EventSlice}s; written compact, JSON read too: {@code
     * CompactRecords}), keyed by load key: generation 1 of the count path (a rescale moves new events to
     * {@code load-events-gN}, see {@code Generation}); this descriptor's serdes serve every generation.
     */
    public static final Topic<String, EventRecord> LOAD_EVENTS =
            new Topic<>("load-events", Serdes.String(), new CompactSerde<>(EventRecord.class, CompactRecords.EVENTS));

    /**
     * The count path's layout: which generations exist, which takes new events (one record, key
     * {@value #COUNT_PATH_KEY}, compacted). Written by {@code ./surge rescale}, followed by every service.
     */
    public static final Topic<String, CountPath> COUNT_PATH =
            new Topic<>("surge-count-path", Serdes.String(), new JsonSerde<>(CountPath.class));
    public static final String COUNT_PATH_KEY = "count-path";

    /** Value serde of a generation's hand-over topic ({@code load-handover-gN}). */
    public static final JsonSerde<Handover> HANDOVER = new JsonSerde<>(Handover.class);

    /**
     * Header on an event that the previous generation forwarded after its hand-over, and on its hand-over records:
     * the number of the generation it is sent to (decimal ASCII).
     */
    public static final String GENERATION_HEADER = "surge-generation";

    /**
     * One ack per counted event ({@code CountAck}) or batch slice ({@code SliceAck}), compact ({@code CompactRecords}). Each ingest-api instance owns some of its partitions and reads only those; the
     * partition count therefore bounds how many ingest-api instances can answer with counts.
     */
    public static final Topic<String, AckRecord> LOAD_ACKS =
            new Topic<>("load-acks", Serdes.String(), new CompactSerde<>(AckRecord.class, CompactRecords.ACKS));

    /**
     * Header on a {@link #LOAD_EVENTS} record: the {@link #LOAD_ACKS} partition (decimal ASCII) that the ingest-api
     * instance holding the request reads. Streams carries input headers to the ack, which is sent there.
     */
    public static final String REPLY_PARTITION_HEADER = "surge-reply-partition";

    /**
     * Records of any count path generation's events topic that are not valid events, written by counter-streams
     * with the original key and value bytes and headers (the {@code surge-dlq-*} headers below added) and never
     * counted. One topic for every generation: {@link #DEAD_LETTER_TOPIC_HEADER} names where each record came from.
     */
    public static final Topic<byte[], byte[]> DEAD_LETTERS =
            new Topic<>("load-events-dlq", Serdes.ByteArray(), Serdes.ByteArray());
    /** Header on a {@link #DEAD_LETTERS} record: why it is not an event, a short stable code (ASCII). */
    public static final String DEAD_LETTER_REASON_HEADER = "surge-dlq-reason";
    /** Header on a {@link #DEAD_LETTERS} record: what exactly was wrong, for people (UTF-8). */
    public static final String DEAD_LETTER_DETAIL_HEADER = "surge-dlq-detail";
    /** Header on a {@link #DEAD_LETTERS} record: the events topic it was read from. */
    public static final String DEAD_LETTER_TOPIC_HEADER = "surge-dlq-topic";
    /** Header on a {@link #DEAD_LETTERS} record: the partition it was read from (decimal ASCII). */
    public static final String DEAD_LETTER_PARTITION_HEADER = "surge-dlq-partition";
    /** Header on a {@link #DEAD_LETTERS} record: its offset in that partition (decimal ASCII). */
    public static final String DEAD_LETTER_OFFSET_HEADER = "surge-dlq-offset";
    /** Header on a {@link #DEAD_LETTERS} record: when counter-streams set it aside (ISO-8601 UTC). */
    public static final String DEAD_LETTER_TIME_HEADER = "surge-dlq-time";

    private Topics() {
    }
}
