package dev.surge.counter.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.common.countpath.Generation;
import dev.surge.common.countpath.Handover;
import dev.surge.common.event.AckRecord;
import dev.surge.common.event.EventRecord;
import dev.surge.common.event.CountAck;
import dev.surge.common.event.EventSlice;
import dev.surge.common.event.LoadEvent;
import dev.surge.common.event.SliceAck;
import dev.surge.common.topic.Topics;
import dev.surge.counter.query.PartitionLoads;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A rescale, task by task: generation 1 hands its state over once the cut-over begins and forwards late events;
 * generation 2 holds its events until the hand-over is complete, then counts on from the handed-over counts.
 */
class RescaleHandoverTest {
    private static final Instant T0 = Instant.parse("2026-11-29T12:00:00.250Z");
    private static final Generation FIRST = new Generation(1, 1);
    private static final Generation SECOND = new Generation(2, 1);
    private final AtomicReference<Optional<Generation>> successor = new AtomicReference<>(Optional.empty());
    private TopologyTestDriver first;
    private TopologyTestDriver second;

    @BeforeEach
    void setUp() {
        first = driver(FIRST, successor::get);
        second = driver(SECOND, CounterTopology.Successor.NONE);
    }

    @AfterEach
    void tearDown() {
        first.close();
        second.close();
    }

    private static TopologyTestDriver driver(Generation generation, CounterTopology.Successor successor) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "rescale-test-g" + generation.number());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return new TopologyTestDriver(CounterTopology.build(CounterTopology.Options.DEFAULT, generation, successor,
                reason -> { }, new PartitionLoads()), props, T0);
    }

    private static TestInputTopic<String, EventRecord> events(TopologyTestDriver driver, Generation generation) {
        return driver.createInputTopic(generation.eventsTopic(), Topics.LOAD_EVENTS.keySerde().serializer(),
                Topics.LOAD_EVENTS.valueSerde().serializer());
    }

    private static TestOutputTopic<String, AckRecord> acks(TopologyTestDriver driver) {
        return driver.createOutputTopic(Topics.LOAD_ACKS.name(), Topics.LOAD_ACKS.keySerde().deserializer(),
                Topics.LOAD_ACKS.valueSerde().deserializer());
    }

    private List<TestRecord<String, Handover>> handOver() {
        successor.set(Optional.of(SECOND));
        first.advanceWallClockTime(Duration.ofMillis(200));
        return first.createOutputTopic(SECOND.handoverTopic(), Serdes.String().deserializer(),
                Topics.HANDOVER.deserializer()).readRecordsToList();
    }

    @Test
    void shouldHandEveryKeysCountBucketsAndRetriesOverOnceTheCutOverBegins() {
        TestInputTopic<String, EventRecord> events = events(first, FIRST);
        events.pipeInput("a", new LoadEvent("1", "a", 1), T0);
        events.pipeInput("a", new LoadEvent("2", "a", 1, "shop", "shop/r-1"), T0.plusMillis(10));
        events.pipeInput("b", new LoadEvent("3", "b", 1), T0.plusSeconds(1));
        first.advanceWallClockTime(Duration.ofMillis(200));
        assertThat(first.createOutputTopic(SECOND.handoverTopic(), Serdes.String().deserializer(),
                Topics.HANDOVER.deserializer()).isEmpty()).as("nothing before the cut-over").isTrue();

        List<TestRecord<String, Handover>> handed = handOver();

        assertThat(handed).hasSize(1);
        Handover handover = handed.get(0).value();
        assertThat(handover.done()).isTrue();
        assertThat(handover.fromPartitions()).isEqualTo(1);
        assertThat(handover.counts()).containsExactlyInAnyOrder(new Handover.KeyCount("a", 2),
                new Handover.KeyCount("b", 1));
        assertThat(handover.buckets()).containsExactlyInAnyOrder(new Handover.Bucket("a", T0.toEpochMilli() - 250, 2),
                new Handover.Bucket("b", T0.toEpochMilli() + 750, 1));
        assertThat(handover.retries()).containsExactly(new Handover.Retry("a\u0000shop/r-1", 2,
                T0.plusMillis(10).toEpochMilli()));
        assertThat(handOver()).as("handed over once, however long the cut-over lasts").isEmpty();
    }

    @Test
    void shouldForwardEventsThatArriveAfterTheHandOverInsteadOfCountingThem() {
        TestInputTopic<String, EventRecord> events = events(first, FIRST);
        TestOutputTopic<String, AckRecord> acks = acks(first);
        events.pipeInput("a", new LoadEvent("1", "a", 1), T0);
        handOver();
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.REPLY_PARTITION_HEADER, "3".getBytes(StandardCharsets.US_ASCII));
        events.pipeInput(new TestRecord<>("a", new LoadEvent("late", "a", 1), headers, T0.plusSeconds(2)));

        assertThat(acks.readValuesToList()).containsExactly(new CountAck("1", "a", 1));
        List<TestRecord<String, EventRecord>> forwarded = first.createOutputTopic(SECOND.eventsTopic(),
                Topics.LOAD_EVENTS.keySerde().deserializer(), Topics.LOAD_EVENTS.valueSerde().deserializer())
                .readRecordsToList();
        assertThat(forwarded).extracting(TestRecord::value).containsExactly(new LoadEvent("late", "a", 1));
        assertThat(header(forwarded.get(0), Topics.REPLY_PARTITION_HEADER)).isEqualTo("3");
        assertThat(header(forwarded.get(0), Topics.GENERATION_HEADER)).isEqualTo("2");
        assertThat(first.<String, Long>getKeyValueStore(CounterTopology.COUNTS_STORE).get("a")).isEqualTo(1L);
    }

    @Test
    void shouldSplitALateBatchSliceByTheSuccessorPartitionOfEachKey() {
        Generation wider = new Generation(2, 4);
        successor.set(Optional.of(wider));
        first.advanceWallClockTime(Duration.ofMillis(200));
        List<String> keys = List.of("a", "b", "c", "d", "e", "f", "g", "h");
        List<Integer> positions = List.of(7, 0, 6, 1, 5, 2, 4, 3);
        EventSlice late = new EventSlice("batch", 1, null, positions,
                keys.stream().map(key -> new EventSlice.Item(key, null)).toList());
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.REPLY_PARTITION_HEADER, "3".getBytes(StandardCharsets.US_ASCII));

        events(first, FIRST).pipeInput(new TestRecord<>("a", late, headers, T0));

        List<EventSlice> parts = first.createOutputTopic(wider.eventsTopic(),
                        Topics.LOAD_EVENTS.keySerde().deserializer(), Topics.LOAD_EVENTS.valueSerde().deserializer())
                .readValuesToList().stream().map(EventSlice.class::cast).toList();
        assertThat(parts).hasSizeGreaterThan(1);
        assertThat(parts).allSatisfy(part -> assertThat(part.events()).extracting(EventSlice.Item::key)
                .allMatch(key -> wider.partitionOf(key) == wider.partitionOf(part.recordKey())));
        assertThat(parts.stream().flatMap(part -> part.positions().stream()).sorted().toList())
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        for (EventSlice part : parts) {
            for (int i = 0; i < part.size(); i++) {
                assertThat(part.events().get(i).key()).as("each event keeps its position")
                        .isEqualTo(keys.get(positions.indexOf(part.positions().get(i))));
            }
        }
        assertThat(acks(first).isEmpty()).as("nothing counted by the generation that handed over").isTrue();
    }

    @Test
    void shouldHoldABatchSliceUntilTheHandOverIsCompleteThenCountIt() {
        events(first, FIRST).pipeInput("a", new LoadEvent("1", "a", 1), T0);
        List<TestRecord<String, Handover>> handed = handOver();
        TestOutputTopic<String, AckRecord> acks = acks(second);

        events(second, SECOND).pipeInput("a", new EventSlice("b", 1, null, List.of(1, 0),
                List.of(new EventSlice.Item("a", null), new EventSlice.Item("a", null))), T0.plusMillis(20));
        assertThat(acks.isEmpty()).as("held until every predecessor has handed over").isTrue();
        TestInputTopic<String, Handover> handovers = second.createInputTopic(SECOND.handoverTopic(),
                Serdes.String().serializer(), Topics.HANDOVER.serializer());
        handed.forEach(record -> handovers.pipeInput(record.key(), record.value(), T0.plusMillis(40)));

        assertThat(acks.readValuesToList()).containsExactly(new SliceAck("b", List.of(1, 0), List.of(2L, 3L),
                List.of()));
    }

    @Test
    void shouldHoldEventsUntilTheHandOverIsCompleteThenCountOnFromTheHandedOverState() {
        TestInputTopic<String, EventRecord> oldEvents = events(first, FIRST);
        oldEvents.pipeInput("a", new LoadEvent("1", "a", 1, "shop", "shop/r-1"), T0);
        oldEvents.pipeInput("a", new LoadEvent("2", "a", 1), T0.plusMillis(5));
        List<TestRecord<String, Handover>> handed = handOver();

        TestInputTopic<String, EventRecord> newEvents = events(second, SECOND);
        TestOutputTopic<String, AckRecord> acks = acks(second);
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.REPLY_PARTITION_HEADER, "5".getBytes(StandardCharsets.US_ASCII));
        newEvents.pipeInput(new TestRecord<>("a", new LoadEvent("3", "a", 1), headers, T0.plusMillis(20)));
        newEvents.pipeInput("a", new LoadEvent("retry", "a", 1, "shop", "shop/r-1"), T0.plusMillis(30));
        assertThat(acks.isEmpty()).as("held until every predecessor has handed over").isTrue();

        TestInputTopic<String, Handover> handovers = second.createInputTopic(SECOND.handoverTopic(),
                Serdes.String().serializer(), Topics.HANDOVER.serializer());
        handed.forEach(record -> handovers.pipeInput(record.key(), record.value(), T0.plusMillis(40)));

        List<TestRecord<String, AckRecord>> out = acks.readRecordsToList();
        assertThat(out).extracting(TestRecord::value).containsExactly(
                new CountAck("3", "a", 3), new CountAck("retry", "a", 1, true));
        assertThat(header(out.get(0), Topics.REPLY_PARTITION_HEADER)).isEqualTo("5");
        WindowStore<String, Long> recent = second.getWindowStore(CounterTopology.RECENT_STORE);
        assertThat(recent.fetch("a", T0.toEpochMilli() - 250)).as("old and new events in one bucket").isEqualTo(3L);

        newEvents.pipeInput("a", new LoadEvent("4", "a", 1), T0.plusMillis(50));
        assertThat(acks.readValuesToList()).containsExactly(new CountAck("4", "a", 4));
    }

    @Test
    void shouldAnnounceOnceThatANewGenerationsTaskRunsAndIgnoreTheMarkerWhenItComesBack() {
        second.advanceWallClockTime(Duration.ofMillis(200));
        second.advanceWallClockTime(Duration.ofMillis(200));
        List<TestRecord<String, Handover>> markers = second.createOutputTopic(SECOND.handoverTopic(),
                Serdes.String().deserializer(), Topics.HANDOVER.deserializer()).readRecordsToList();
        assertThat(markers).extracting(TestRecord::value).containsExactly(Handover.ready(0, 1));

        TestInputTopic<String, Handover> handovers = second.createInputTopic(SECOND.handoverTopic(),
                Serdes.String().serializer(), Topics.HANDOVER.serializer());
        TestOutputTopic<String, AckRecord> acks = acks(second);
        events(second, SECOND).pipeInput("k", new LoadEvent("1", "k", 1), T0);
        handovers.pipeInput(markers.get(0).key(), markers.get(0).value(), T0);
        assertThat(acks.isEmpty()).as("a ready marker is no hand-over").isTrue();
        assertThat(second.<String, Long>getKeyValueStore(CounterTopology.HANDOVER_STORE)
                .get(CounterTopology.HANDOVER_COMPLETE)).as("not complete").isNull();
    }

    @Test
    void shouldNotCompleteBeforeEveryPredecessorPartitionHasSaidDone() {
        TestInputTopic<String, Handover> handovers = second.createInputTopic(SECOND.handoverTopic(),
                Serdes.String().serializer(), Topics.HANDOVER.serializer());
        TestOutputTopic<String, AckRecord> acks = acks(second);
        events(second, SECOND).pipeInput("k", new LoadEvent("1", "k", 1), T0);

        handovers.pipeInput("from-0", new Handover(0, 2, 0, List.of(new Handover.KeyCount("k", 10)), List.of(),
                List.of(), true), T0);
        handovers.pipeInput("from-0", new Handover(0, 2, 0, List.of(), List.of(), List.of(), true), T0);
        assertThat(acks.isEmpty()).as("partition 0 said done twice; partition 1 not yet").isTrue();

        handovers.pipeInput("from-1", new Handover(1, 2, 0, List.of(), List.of(), List.of(), true), T0);
        assertThat(acks.readValuesToList()).containsExactly(new CountAck("1", "k", 11));
    }

    @Test
    void shouldDeadLetterPoisonThatArrivesWhileEventsAreHeldAndCountOnlyTheHeldEvents() {
        events(first, FIRST).pipeInput("a", new LoadEvent("1", "a", 1), T0);
        List<TestRecord<String, Handover>> handed = handOver();

        TestInputTopic<String, EventRecord> newEvents = events(second, SECOND);
        TestOutputTopic<String, AckRecord> acks = acks(second);
        TestOutputTopic<byte[], byte[]> deadLetters = deadLetters(second);
        newEvents.pipeInput("a", new LoadEvent("2", "a", 1), T0.plusMillis(10));
        rawEvents(second, SECOND).pipeInput("a".getBytes(StandardCharsets.UTF_8),
                "{\"id\":\"p\",\"key\":\"not a key\",\"receivedAt\":1}".getBytes(StandardCharsets.UTF_8),
                T0.plusMillis(11));
        newEvents.pipeInput("a", new LoadEvent("3", "a", 1), T0.plusMillis(12));

        List<TestRecord<byte[], byte[]>> letters = deadLetters.readRecordsToList();
        assertThat(letters).as("set aside at once, not held").hasSize(1);
        assertThat(header(letters.get(0), Topics.DEAD_LETTER_TOPIC_HEADER)).isEqualTo(SECOND.eventsTopic());
        assertThat(header(letters.get(0), Topics.DEAD_LETTER_REASON_HEADER)).isEqualTo("invalid-key");
        assertThat(acks.isEmpty()).isTrue();

        TestInputTopic<String, Handover> handovers = second.createInputTopic(SECOND.handoverTopic(),
                Serdes.String().serializer(), Topics.HANDOVER.serializer());
        handed.forEach(record -> handovers.pipeInput(record.key(), record.value(), T0.plusMillis(20)));

        assertThat(acks.readValuesToList()).containsExactly(new CountAck("2", "a", 2), new CountAck("3", "a", 3));
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterPoisonThatReachesAHandedOverTaskInsteadOfForwardingIt() {
        events(first, FIRST).pipeInput("a", new LoadEvent("1", "a", 1), T0);
        handOver();

        rawEvents(first, FIRST).pipeInput("a".getBytes(StandardCharsets.UTF_8),
                "not json".getBytes(StandardCharsets.UTF_8), T0.plusSeconds(2));
        events(first, FIRST).pipeInput("a", new LoadEvent("late", "a", 1), T0.plusSeconds(3));

        List<TestRecord<byte[], byte[]>> letters = deadLetters(first).readRecordsToList();
        assertThat(letters).hasSize(1);
        assertThat(header(letters.get(0), Topics.DEAD_LETTER_TOPIC_HEADER)).isEqualTo(FIRST.eventsTopic());
        assertThat(first.createOutputTopic(SECOND.eventsTopic(), Topics.LOAD_EVENTS.keySerde().deserializer(),
                Topics.LOAD_EVENTS.valueSerde().deserializer()).readValuesToList())
                .as("only the valid late event is forwarded").containsExactly(new LoadEvent("late", "a", 1));
    }

    private static TestInputTopic<byte[], byte[]> rawEvents(TopologyTestDriver driver, Generation generation) {
        return driver.createInputTopic(generation.eventsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static TestOutputTopic<byte[], byte[]> deadLetters(TopologyTestDriver driver) {
        return driver.createOutputTopic(Topics.DEAD_LETTERS.name(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    private static String header(TestRecord<?, ?> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.US_ASCII);
    }
}
