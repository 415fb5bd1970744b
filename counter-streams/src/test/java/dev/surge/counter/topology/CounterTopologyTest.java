package dev.surge.counter.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.common.countpath.Generation;
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
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CounterTopologyTest {
    private static final Duration RETENTION = Duration.ofMinutes(10);
    private static final Instant T0 = Instant.parse("2026-11-29T12:00:00.250Z");
    private TopologyTestDriver driver;
    private TestInputTopic<String, EventRecord> events;
    private TestOutputTopic<String, AckRecord> acks;

    @BeforeEach
    void setUp() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "counter-topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(CounterTopology.build(new CounterTopology.Options(Duration.ofHours(1), RETENTION),
                new Generation(1, 1), CounterTopology.Successor.NONE, reason -> { }, new PartitionLoads()), props);
        events = driver.createInputTopic(Topics.LOAD_EVENTS.name(),
                Topics.LOAD_EVENTS.keySerde().serializer(), Topics.LOAD_EVENTS.valueSerde().serializer());
        acks = driver.createOutputTopic(Topics.LOAD_ACKS.name(),
                Topics.LOAD_ACKS.keySerde().deserializer(), Topics.LOAD_ACKS.valueSerde().deserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void shouldEmitOneAckPerEventEvenForAHotKey() {
        for (int i = 1; i <= 5; i++) {
            events.pipeInput("checkout", new LoadEvent("e" + i, "checkout", i));
        }

        assertThat(acks.readValuesToList()).containsExactly(
                new CountAck("e1", "checkout", 1), new CountAck("e2", "checkout", 2), new CountAck("e3", "checkout", 3),
                new CountAck("e4", "checkout", 4), new CountAck("e5", "checkout", 5));
    }

    @Test
    void shouldCountEachKeyOnItsOwnAndKeepTheCountInTheStore() {
        events.pipeInput("a", new LoadEvent("1", "a", 1));
        events.pipeInput("b", new LoadEvent("2", "b", 1));
        events.pipeInput("a", new LoadEvent("3", "a", 1));

        assertThat(acks.readValuesToList()).map(CountAck.class::cast).extracting(CountAck::key, CountAck::count)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", 1L),
                        org.assertj.core.groups.Tuple.tuple("b", 1L),
                        org.assertj.core.groups.Tuple.tuple("a", 2L));
        KeyValueStore<String, Long> store = driver.getKeyValueStore(CounterTopology.COUNTS_STORE);
        assertThat(store.get("a")).isEqualTo(2L);
        assertThat(store.get("b")).isEqualTo(1L);
        assertThat(store.get("never-seen")).isNull();
    }

    @Test
    void shouldCarryTheReplyPartitionHeaderToTheAck() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.REPLY_PARTITION_HEADER, "7".getBytes(StandardCharsets.US_ASCII));
        events.pipeInput(new TestRecord<>("k", new LoadEvent("e", "k", 1), headers));

        List<TestRecord<String, AckRecord>> out = acks.readRecordsToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key()).isEqualTo("k");
        assertThat(new String(out.get(0).headers().lastHeader(Topics.REPLY_PARTITION_HEADER).value(),
                StandardCharsets.US_ASCII)).isEqualTo("7");
    }

    @Test
    void shouldAnswerARetryWithTheFirstCountAndNotCountItAgain() {
        events.pipeInput("k", new LoadEvent("first", "k", 1, "shop", "shop/r-1"), T0);
        events.pipeInput("k", new LoadEvent("other", "k", 1), T0.plusMillis(10));
        events.pipeInput("k", new LoadEvent("retry", "k", 1, "shop", "shop/r-1"), T0.plusSeconds(60));

        assertThat(acks.readValuesToList()).containsExactly(
                new CountAck("first", "k", 1, false),
                new CountAck("other", "k", 2, false),
                new CountAck("retry", "k", 1, true));
        assertThat(driver.<String, Long>getKeyValueStore(CounterTopology.COUNTS_STORE).get("k")).isEqualTo(2L);
    }

    @Test
    void shouldScopeIdempotencyKeysToTheLoadKey() {
        events.pipeInput("a", new LoadEvent("1", "a", 1, "shop", "shop/same"), T0);
        events.pipeInput("b", new LoadEvent("2", "b", 1, "shop", "shop/same"), T0);

        assertThat(acks.readValuesToList()).containsExactly(new CountAck("1", "a", 1), new CountAck("2", "b", 1));
    }

    @Test
    void shouldCountARetryAgainOnceTheRetentionHasPassed() {
        events.pipeInput("k", new LoadEvent("first", "k", 1, "shop", "shop/r-1"), T0);
        events.pipeInput("k", new LoadEvent("late", "k", 1, "shop", "shop/r-1"), T0.plus(RETENTION).plusSeconds(61));

        assertThat(acks.readValuesToList()).containsExactly(new CountAck("first", "k", 1), new CountAck("late", "k", 2));
    }

    @Test
    void shouldCountEventsInOneSecondBucketsByTheTimeTheyWereReceived() {
        events.pipeInput("k", new LoadEvent("1", "k", 1), T0);
        events.pipeInput("k", new LoadEvent("2", "k", 1), T0.plusMillis(700));
        events.pipeInput("k", new LoadEvent("3", "k", 1), T0.plusMillis(800));
        events.pipeInput("k", new LoadEvent("4", "k", 1, "c", "c/x"), T0.plusMillis(900));
        events.pipeInput("k", new LoadEvent("5", "k", 1, "c", "c/x"), T0.plusMillis(950));

        org.apache.kafka.streams.state.WindowStore<String, Long> recent = driver.getWindowStore(CounterTopology.RECENT_STORE);
        long second = T0.toEpochMilli() - 250;
        assertThat(recent.fetch("k", second)).as("12:00:00").isEqualTo(2L);
        assertThat(recent.fetch("k", second + 1_000)).as("12:00:01, the retry not counted").isEqualTo(2L);
        assertThat(recent.fetch("k", second + 2_000)).isNull();
    }

    @Test
    void shouldCountEverySliceEventInOrderAndAckTheSliceOnce() {
        events.pipeInput("a", new LoadEvent("single", "a", 1), T0);
        events.pipeInput("a", slice("b-1", List.of(4, 0, 2, 9), "a", "b", "a", "a"), T0.plusMillis(100));

        assertThat(acks.readValuesToList()).containsExactly(new CountAck("single", "a", 1),
                new SliceAck("b-1", List.of(4, 0, 2, 9), List.of(2L, 1L, 3L, 4L), List.of()));
        KeyValueStore<String, Long> store = driver.getKeyValueStore(CounterTopology.COUNTS_STORE);
        assertThat(store.get("a")).isEqualTo(4L);
        assertThat(store.get("b")).isEqualTo(1L);
        org.apache.kafka.streams.state.WindowStore<String, Long> recent =
                driver.getWindowStore(CounterTopology.RECENT_STORE);
        assertThat(recent.fetch("a", T0.toEpochMilli() - 250)).isEqualTo(4L);
        assertThat(recent.fetch("b", T0.toEpochMilli() - 250)).isEqualTo(1L);
    }

    @Test
    void shouldAnswerRetriedSliceEventsWithTheirFirstCountsAndCountOnlyTheNewOnes() {
        EventSlice first = new EventSlice("b-1", 1, "shop", List.of(0, 1, 2), List.of(
                new EventSlice.Item("k", "shop/x"), new EventSlice.Item("k", "shop/y"),
                new EventSlice.Item("k", "shop/x")));
        EventSlice retry = new EventSlice("b-2", 1, "shop", List.of(0, 1, 2), List.of(
                new EventSlice.Item("k", "shop/x"), new EventSlice.Item("k", "shop/y"),
                new EventSlice.Item("k", "shop/z")));
        events.pipeInput("k", first, T0);
        events.pipeInput("k", new LoadEvent("single-retry", "k", 1, "shop", "shop/y"), T0.plusMillis(5));
        events.pipeInput("k", retry, T0.plusMillis(10));

        assertThat(acks.readValuesToList()).containsExactly(
                new SliceAck("b-1", List.of(0, 1, 2), List.of(1L, 2L, 1L), List.of(2)),
                new CountAck("single-retry", "k", 2, true),
                new SliceAck("b-2", List.of(0, 1, 2), List.of(1L, 2L, 3L), List.of(0, 1)));
        assertThat(driver.<String, Long>getKeyValueStore(CounterTopology.COUNTS_STORE).get("k")).isEqualTo(3L);
    }

    @Test
    void shouldCarryTheReplyPartitionHeaderToTheSliceAck() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.REPLY_PARTITION_HEADER, "3".getBytes(StandardCharsets.US_ASCII));
        events.pipeInput(new TestRecord<>("k", slice("b", List.of(0), "k"), headers));

        List<TestRecord<String, AckRecord>> out = acks.readRecordsToList();
        assertThat(out).hasSize(1);
        assertThat(new String(out.get(0).headers().lastHeader(Topics.REPLY_PARTITION_HEADER).value(),
                StandardCharsets.US_ASCII)).isEqualTo("3");
    }

    private static EventSlice slice(String batch, List<Integer> positions, String... keys) {
        return new EventSlice(batch, 1, null, positions,
                java.util.Arrays.stream(keys).map(key -> new EventSlice.Item(key, null)).toList());
    }
}
