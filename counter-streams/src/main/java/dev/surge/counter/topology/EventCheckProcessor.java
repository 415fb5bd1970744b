package dev.surge.counter.topology;

import dev.surge.common.event.DeadLetterReason;
import dev.surge.common.event.EventCheck;
import dev.surge.common.event.EventRecord;
import dev.surge.common.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate of an events topic: decodes each record's bytes and passes a valid event or batch slice
 * ({@link EventRecord}) on to the count;
 * anything else goes, with its original key and value bytes and headers, to {@code load-events-dlq}, with headers
 * saying why ({@link DeadLetterReason}), where it was read from and when. Nothing of it is counted or acked, and
 * the next record is processed as if it had not been there.
 *
 * <p>The rules, and the order they are checked in, are {@link EventCheck}'s.
 *
 * <p>No ack is sent for a dead letter, even one that carries a usable reply header and request id: a {@code
 * CountAck} says "counted", which it was not, and no request waits for it. ingest-api checks every request before
 * it writes, so a dead letter was written by something else; a request whose id it happens to carry was answered,
 * or timed out into 202, on its own.
 *
 * <p>Why a sink of our own and not Kafka Streams' dead-letter queue (KIP-1034, {@code
 * errors.dead.letter.queue.topic.name}): in Kafka 4.4 that queue is fed by the exception handlers only. When the
 * setting is given, the built-in deserialization handlers build one record per failed deserialization (raw key and
 * value, the source headers, and {@code __streams.errors.*} headers: exception class, message, stack trace, topic,
 * partition, offset), and Streams sends it through the task's record collector, so inside the task's transaction
 * too. That would cover undecodable values. An invalid or mismatched key and a bad reply header deserialize fine:
 * they would reach that queue only by throwing out of the processor into a processing exception handler, told
 * apart by exception class and message rather than a stable reason, and a metric by reason would need handlers of
 * our own anyway. Reading bytes and checking them here puts every kind through one path, in the same transaction
 * as the task's other output, and the topology tests see all of it.
 */
final class EventCheckProcessor implements Processor<byte[], byte[], Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(EventCheckProcessor.class);
    private static final List<String> OWN_HEADERS = List.of(Topics.DEAD_LETTER_REASON_HEADER,
            Topics.DEAD_LETTER_DETAIL_HEADER, Topics.DEAD_LETTER_TOPIC_HEADER, Topics.DEAD_LETTER_PARTITION_HEADER,
            Topics.DEAD_LETTER_OFFSET_HEADER, Topics.DEAD_LETTER_TIME_HEADER);

    private final CounterTopology.DeadLetterListener listener;
    private final int partitions;
    private ProcessorContext<Object, Object> context;

    /** @param partitions the events topic's partition count */
    EventCheckProcessor(CounterTopology.DeadLetterListener listener, int partitions) {
        this.listener = listener;
        this.partitions = partitions;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        EventCheck.Verdict verdict = EventCheck.check(source.topic(), partitions, record.key(), record.value(),
                record.headers().lastHeader(Topics.REPLY_PARTITION_HEADER));
        if (verdict instanceof EventCheck.Valid valid) {
            EventRecord event = valid.record();
            context.forward(new Record<>(event.recordKey(), event, record.timestamp(), record.headers()),
                    CounterTopology.COUNTER);
        } else if (verdict instanceof EventCheck.Invalid invalid) {
            deadLetter(record, source, invalid.reason(), invalid.detail());
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, RecordMetadata source, DeadLetterReason reason,
                            String detail) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        OWN_HEADERS.forEach(headers::remove); // a foreign record may carry them already: ours are the only ones
        headers.add(Topics.DEAD_LETTER_REASON_HEADER, ascii(reason.code()));
        headers.add(Topics.DEAD_LETTER_DETAIL_HEADER, detail.getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.DEAD_LETTER_TOPIC_HEADER, source.topic().getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.DEAD_LETTER_PARTITION_HEADER, ascii(Integer.toString(source.partition())));
        headers.add(Topics.DEAD_LETTER_OFFSET_HEADER, ascii(Long.toString(source.offset())));
        headers.add(Topics.DEAD_LETTER_TIME_HEADER,
                ascii(Instant.ofEpochMilli(context.currentSystemTimeMs()).toString()));
        context.forward(new Record<>(record.key(), record.value(), record.timestamp(), headers),
                CounterTopology.DEAD_LETTER_SINK);
        listener.deadLettered(reason);
        LOG.warn("Dead letter ({}) from {}-{}@{} to {}: {}", reason.code(), source.topic(), source.partition(),
                source.offset(), Topics.DEAD_LETTERS.name(), detail);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
