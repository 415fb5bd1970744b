package dev.surge.counter.topology;

import dev.surge.common.topic.Topics;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The count path as a pure function: {@code load-events} -> running count per key (plus per-second buckets and
 * idempotency keys, in the same task) -> one ack per event on {@code load-acks}.
 *
 * <p>Every store has its record cache disabled: a cache would coalesce several updates of a hot key into one
 * downstream record (every event needs its own ack), and would keep interactive queries behind the acks.
 */
public final class CounterTopology {
    /** All-time count per load key. */
    public static final String COUNTS_STORE = "running-counts";
    /** Events counted per load key per one-second bucket (window start = the second the API received them). */
    public static final String RECENT_STORE = "recent-counts";
    /** (load key, idempotency key) -> the count the first attempt got, kept for the idempotency retention. */
    public static final String IDEMPOTENCY_STORE = "idempotency-keys";
    public static final Duration BUCKET = Duration.ofSeconds(1);

    static final String SOURCE = "load-events-source";
    static final String COUNTER = "running-count";
    static final String SINK = "load-acks-sink";

    private CounterTopology() {
    }

    /**
     * @param options how long per-second buckets and idempotency keys are kept
     */
    public static Topology build(Options options) {
        Topology topology = new Topology();
        topology.addSource(SOURCE,
                Topics.LOAD_EVENTS.keySerde().deserializer(),
                Topics.LOAD_EVENTS.valueSerde().deserializer(),
                Topics.LOAD_EVENTS.name());
        topology.addProcessor(COUNTER, () -> new RunningCountProcessor(options.idempotencyRetention()), SOURCE);
        topology.addStateStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(COUNTS_STORE), Serdes.String(), Serdes.Long())
                        .withCachingDisabled(),
                COUNTER);
        topology.addStateStore(
                Stores.windowStoreBuilder(
                        Stores.persistentWindowStore(RECENT_STORE, options.recentRetention(), BUCKET, false),
                        Serdes.String(), Serdes.Long()).withCachingDisabled(),
                COUNTER);
        topology.addStateStore(
                Stores.windowStoreBuilder(
                        Stores.persistentWindowStore(IDEMPOTENCY_STORE, options.idempotencyRetention(),
                                Duration.ofMillis(1), false),
                        Serdes.String(), Serdes.Long()).withCachingDisabled(),
                COUNTER);
        topology.addSink(SINK, Topics.LOAD_ACKS.name(),
                Topics.LOAD_ACKS.keySerde().serializer(),
                Topics.LOAD_ACKS.valueSerde().serializer(),
                new ReplyPartitioner(),
                COUNTER);
        return topology;
    }

    /**
     * @param recentRetention      how long per-second buckets are kept (queries can look back this far)
     * @param idempotencyRetention how long a retry with the same idempotency key is answered with the first count
     */
    public record Options(Duration recentRetention, Duration idempotencyRetention) {
        public static final Options DEFAULT = new Options(Duration.ofHours(1), Duration.ofHours(24));

        public Options {
            if (recentRetention.compareTo(Duration.ofMinutes(1)) < 0) {
                throw new IllegalArgumentException("recent retention should be at least 1 minute but was "
                        + recentRetention);
            }
            if (idempotencyRetention.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("idempotency retention should be at least 1 s but was "
                        + idempotencyRetention);
            }
        }
    }
}
