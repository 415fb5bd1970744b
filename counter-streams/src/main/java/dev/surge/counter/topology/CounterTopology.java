package dev.surge.counter.topology;

import dev.surge.common.event.DeadLetterReason;
import dev.surge.common.countpath.Generation;
import dev.surge.common.event.LoadEvent;
import dev.surge.common.serde.JsonSerde;
import dev.surge.common.topic.Topics;
import dev.surge.counter.query.PartitionLoads;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.state.Stores;

/**
 * The count path of one {@link Generation} as a pure function: its events topic -> running count per key (plus
 * per-second buckets and idempotency keys, in the same task) -> one ack per event on {@code load-acks}. From
 * generation 2 on, the previous generation's state arrives on the hand-over topic, into the same task.
 *
 * <p>Events are read as bytes and checked first ({@link EventCheckProcessor}): a record that is not a valid event
 * goes to {@code load-events-dlq}, one topic for every generation (its headers name the source topic), in the same
 * task and so the same exactly-once transaction as the counts and acks. It is never counted.
 *
 * <p>When the count path is rescaled, this generation's tasks hand their state to the next generation's partitions
 * and forward late events there (see {@link RunningCountProcessor}): the sinks for both find their topic from the
 * {@value Topics#GENERATION_HEADER} header.
 *
 * <p>The stores' record caches are disabled, so each event's ack is forwarded as it is counted and interactive
 * queries read what was processed. (The processor forwards each ack itself, so a cache would not coalesce acks;
 * it would coalesce store and changelog writes until the commit.)
 */
public final class CounterTopology {
    /** All-time count per load key. */
    public static final String COUNTS_STORE = "running-counts";
    /** Events counted per load key per one-second bucket (window start = the second the API received them). */
    public static final String RECENT_STORE = "recent-counts";
    /** (load key, idempotency key) -> the count the first attempt got, kept for the idempotency retention. */
    public static final String IDEMPOTENCY_STORE = "idempotency-keys";
    /** The task's place in a rescale: hand-overs received, whether it has handed over itself (see the processor). */
    public static final String HANDOVER_STORE = "handover-progress";
    /** The {@link #HANDOVER_STORE} key present once every predecessor task has handed over (generation 2 on). */
    public static final String HANDOVER_COMPLETE = "complete";
    /** Events held until the hand-over is complete (generation 2 and later). */
    static final String HELD_STORE = "held-events";
    public static final Duration BUCKET = Duration.ofSeconds(1);

    static final String SOURCE = "load-events-source";
    static final String HANDOVER_SOURCE = "handover-source";
    static final String EVENT_CHECK = "event-check";
    static final String COUNTER = "running-count";
    static final String SINK = "load-acks-sink";
    static final String FORWARD_SINK = "forward-sink";
    static final String HANDOVER_SINK = "handover-sink";
    static final String DEAD_LETTER_SINK = "dead-letter-sink";

    private CounterTopology() {
    }

    /**
     * @param options     how long per-second buckets and idempotency keys are kept
     * @param generation  the generation this topology counts
     * @param successor   the generation to hand over to, once a cut-over to it has begun (read on every punctuation)
     * @param deadLetters told of each record sent to the dead-letter topic (for metrics)
     * @param loads       where each active task publishes its running totals for {@code GET /load}
     */
    public static Topology build(Options options, Generation generation, Successor successor,
                                 DeadLetterListener deadLetters, PartitionLoads loads) {
        Topology topology = new Topology();
        // Bytes, decoded by the check: a record that is not an event reaches it intact, instead of being dropped by
        // Streams' deserialization exception handler before any processor sees it.
        topology.addSource(SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                generation.eventsTopic());
        topology.addProcessor(EVENT_CHECK, () -> new EventCheckProcessor(deadLetters, generation.partitions()), SOURCE);
        topology.addSink(DEAD_LETTER_SINK, Topics.DEAD_LETTERS.name(),
                Topics.DEAD_LETTERS.keySerde().serializer(), Topics.DEAD_LETTERS.valueSerde().serializer(),
                EVENT_CHECK);
        String[] parents = {EVENT_CHECK};
        if (generation.number() > 1) {
            topology.addSource(HANDOVER_SOURCE, Serdes.String().deserializer(), Topics.HANDOVER.deserializer(),
                    generation.handoverTopic());
            parents = new String[] {EVENT_CHECK, HANDOVER_SOURCE};
        }
        topology.addProcessor(COUNTER, () -> new RunningCountProcessor(options.idempotencyRetention(), generation,
                successor, loads), parents);
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
        topology.addStateStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(HANDOVER_STORE), Serdes.String(),
                        Serdes.Long()).withCachingDisabled(),
                COUNTER);
        if (generation.number() > 1) {
            topology.addStateStore(
                    Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(HELD_STORE), Serdes.String(),
                            new JsonSerde<>(HeldEvent.class)).withCachingDisabled(),
                    COUNTER);
        }
        topology.addSink(SINK, Topics.LOAD_ACKS.name(),
                Topics.LOAD_ACKS.keySerde().serializer(),
                Topics.LOAD_ACKS.valueSerde().serializer(),
                new ReplyPartitioner(),
                COUNTER);
        topology.addSink(FORWARD_SINK, byGenerationHeader(Generation::eventsTopic),
                Topics.LOAD_EVENTS.keySerde().serializer(), Topics.LOAD_EVENTS.valueSerde().serializer(),
                COUNTER);
        topology.addSink(HANDOVER_SINK, byGenerationHeader(Generation::handoverTopic),
                Serdes.String().serializer(), Topics.HANDOVER.serializer(),
                (StreamPartitioner<String, dev.surge.common.countpath.Handover>) (topic, key, handover, partitions) ->
                        Optional.of(Set.of(handover.toPartition())),
                COUNTER);
        return topology;
    }

    private static <K, V> TopicNameExtractor<K, V> byGenerationHeader(IntFunction<String> topicOf) {
        return (key, value, context) -> topicOf.apply(generationOf(context.headers()));
    }

    static int generationOf(Headers headers) {
        Header header = headers.lastHeader(Topics.GENERATION_HEADER);
        if (header == null) {
            throw new IllegalStateException("a record for the next generation lacks its " + Topics.GENERATION_HEADER
                    + " header");
        }
        return Integer.parseInt(new String(header.value(), StandardCharsets.US_ASCII));
    }

    /** Told of each record the topology sends to the dead-letter topic, on the stream thread that sends it. */
    @FunctionalInterface
    public interface DeadLetterListener {
        void deadLettered(DeadLetterReason reason);
    }

    /** The generation to hand over to, when a cut-over from this one has begun. */
    @FunctionalInterface
    public interface Successor {
        Successor NONE = () -> Optional.empty();

        Optional<Generation> get();
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
