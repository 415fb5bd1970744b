package dev.surge.counter.topology;

import dev.surge.common.event.CountAck;
import dev.surge.common.event.LoadEvent;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts one event: reads the key's count, stores count + 1, adds it to the key's one-second bucket and forwards
 * exactly one {@link CountAck} carrying the new count. A retry (same load key and idempotency key within the
 * retention) is not counted again: its ack carries the first attempt's count, marked duplicate.
 *
 * <p>Under exactly-once the store updates, their changelog writes, the ack and the input offset commit in one
 * transaction, so each count value is handed out once per key. The input record's headers (the reply partition)
 * travel on to the ack.
 */
final class RunningCountProcessor implements Processor<String, LoadEvent, String, CountAck> {
    private static final Logger LOG = LoggerFactory.getLogger(RunningCountProcessor.class);
    private static final char SEPARATOR = '\u0000';

    private final long idempotencyRetentionMs;
    private ProcessorContext<String, CountAck> context;
    private KeyValueStore<String, Long> counts;
    private WindowStore<String, Long> recent;
    private WindowStore<String, Long> idempotency;

    RunningCountProcessor(Duration idempotencyRetention) {
        this.idempotencyRetentionMs = idempotencyRetention.toMillis();
    }

    @Override
    public void init(ProcessorContext<String, CountAck> context) {
        this.context = context;
        this.counts = context.getStateStore(CounterTopology.COUNTS_STORE);
        this.recent = context.getStateStore(CounterTopology.RECENT_STORE);
        this.idempotency = context.getStateStore(CounterTopology.IDEMPOTENCY_STORE);
    }

    @Override
    public void process(Record<String, LoadEvent> record) {
        LoadEvent event = record.value();
        if (event == null || !event.key().equals(record.key())) {
            // Not written by ingest-api: a key that differs from the record key would be counted in the wrong
            // partition. Skipping keeps every other key's count exact.
            LOG.warn("Skipping a load event whose record key {} does not match its body {}", record.key(), event);
            return;
        }
        String retryKey = event.idempotencyKey() == null ? null : event.key() + SEPARATOR + event.idempotencyKey();
        if (retryKey != null) {
            Long first = firstCount(retryKey, record.timestamp());
            if (first != null) {
                context.forward(record.withValue(new CountAck(event.id(), event.key(), first, true)));
                return;
            }
        }
        Long previous = counts.get(event.key());
        long count = previous == null ? 1 : previous + 1;
        counts.put(event.key(), count);
        long bucket = record.timestamp() - Math.floorMod(record.timestamp(), CounterTopology.BUCKET.toMillis());
        Long inBucket = recent.fetch(event.key(), bucket);
        recent.put(event.key(), inBucket == null ? 1 : inBucket + 1, bucket);
        if (retryKey != null) {
            idempotency.put(retryKey, count, record.timestamp());
        }
        context.forward(record.withValue(new CountAck(event.id(), event.key(), count)));
    }

    /** The count of the first attempt with this retry key within the retention (either side: clocks differ). */
    private Long firstCount(String retryKey, long timestamp) {
        try (WindowStoreIterator<Long> seen = idempotency.fetch(retryKey,
                timestamp - idempotencyRetentionMs, timestamp + idempotencyRetentionMs)) {
            return seen.hasNext() ? seen.next().value : null;
        }
    }
}
