package dev.surge.counter.topology;

import dev.surge.common.topic.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The count path as a pure function: {@code load-events} -> running count per key -> one ack per event on
 * {@code load-acks}.
 *
 * <p>The count store has its record cache disabled: a cache would coalesce several updates of a hot key into one
 * downstream record, and every event needs its own ack.
 */
public final class CounterTopology {
    public static final String COUNTS_STORE = "running-counts";
    static final String SOURCE = "load-events-source";
    static final String COUNTER = "running-count";
    static final String SINK = "load-acks-sink";

    private CounterTopology() {
    }

    public static Topology build() {
        Topology topology = new Topology();
        topology.addSource(SOURCE,
                Topics.LOAD_EVENTS.keySerde().deserializer(),
                Topics.LOAD_EVENTS.valueSerde().deserializer(),
                Topics.LOAD_EVENTS.name());
        topology.addProcessor(COUNTER, RunningCountProcessor::new, SOURCE);
        topology.addStateStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(COUNTS_STORE), Serdes.String(), Serdes.Long())
                        .withCachingDisabled(),
                COUNTER);
        topology.addSink(SINK, Topics.LOAD_ACKS.name(),
                Topics.LOAD_ACKS.keySerde().serializer(),
                Topics.LOAD_ACKS.valueSerde().serializer(),
                new ReplyPartitioner(),
                COUNTER);
        return topology;
    }
}
