package dev.surge.counter.topology;

import dev.surge.common.event.CountAck;
import dev.surge.common.event.LoadEvent;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts one event: reads the key's count, stores count + 1 and forwards exactly one {@link CountAck} carrying it.
 *
 * <p>Under exactly-once the store update, its changelog write, the ack and the input offset commit in one
 * transaction, so each count value is handed out once per key. The input record's headers (the reply partition)
 * travel on to the ack.
 */
final class RunningCountProcessor implements Processor<String, LoadEvent, String, CountAck> {
    private static final Logger LOG = LoggerFactory.getLogger(RunningCountProcessor.class);

    private ProcessorContext<String, CountAck> context;
    private KeyValueStore<String, Long> counts;

    @Override
    public void init(ProcessorContext<String, CountAck> context) {
        this.context = context;
        this.counts = context.getStateStore(CounterTopology.COUNTS_STORE);
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
        Long previous = counts.get(event.key());
        long count = previous == null ? 1 : previous + 1;
        counts.put(event.key(), count);
        context.forward(record.withValue(new CountAck(event.id(), event.key(), count)));
    }
}
