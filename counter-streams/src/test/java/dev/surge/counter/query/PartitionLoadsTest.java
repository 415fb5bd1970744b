package dev.surge.counter.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.common.countpath.Generation;
import dev.surge.common.countpath.Handover;
import dev.surge.common.event.EventRecord;
import dev.surge.common.event.LoadEvent;
import dev.surge.common.topic.Topics;
import dev.surge.counter.topology.CounterTopology;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The counting processor keeps its partition's {@link PartitionLoad} in step with its stores: what it publishes
 * equals a scan of the stores, after events, retries and hand-overs, and disappears when the task closes.
 */
class PartitionLoadsTest {
    private static final Instant NOW = Instant.parse("2026-11-29T12:10:00.500Z");
    private final PartitionLoads loads = new PartitionLoads();
    private TopologyTestDriver driver;
    private int sequence;

    private TopologyTestDriver start(Generation generation) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "partition-loads-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(CounterTopology.build(CounterTopology.Options.DEFAULT, generation,
                CounterTopology.Successor.NONE, reason -> { }, loads), props, NOW);
        return driver;
    }

    @AfterEach
    void tearDown() {
        if (driver != null) {
            driver.close();
        }
    }

    private void receive(TestInputTopic<String, EventRecord> events, String key, int times, Instant at) {
        for (int i = 0; i < times; i++) {
            events.pipeInput(key, new LoadEvent("e" + sequence++, key, at.toEpochMilli()), at);
        }
    }

    private static TestInputTopic<String, EventRecord> events(TopologyTestDriver driver, Generation generation) {
        return driver.createInputTopic(generation.eventsTopic(), Topics.LOAD_EVENTS.keySerde().serializer(),
                Topics.LOAD_EVENTS.valueSerde().serializer());
    }

    private PartitionLoad.Snapshot scanned() {
        KeyValueStore<String, Long> counts = driver.getKeyValueStore(CounterTopology.COUNTS_STORE);
        WindowStore<String, Long> recent = driver.getWindowStore(CounterTopology.RECENT_STORE);
        return PartitionLoad.scan(counts, recent, NOW.toEpochMilli()).snapshot(NOW.toEpochMilli());
    }

    private PartitionLoad.Snapshot published() {
        assertThat(loads.active()).containsOnlyKeys(0);
        return loads.active().get(0).snapshot(NOW.toEpochMilli());
    }

    @Test
    void shouldSumEveryKeyAndListTheBusiestFirstWithoutAScan() {
        Generation generation = new Generation(1, 1);
        TestInputTopic<String, EventRecord> events = events(start(generation), generation);
        for (int k = 0; k < 15; k++) {
            receive(events, "key-" + (char) ('a' + k), k + 1, NOW.minusSeconds(2));
        }
        receive(events, "old", 100, NOW.minusSeconds(600));
        events.pipeInput("retried", new LoadEvent("r1", "retried", 0, "shop", "shop/1"), NOW);
        events.pipeInput("retried", new LoadEvent("r2", "retried", 0, "shop", "shop/1"), NOW); // a retry: not counted

        PartitionLoad.Snapshot snapshot = published();

        assertThat(snapshot.total()).isEqualTo(120 + 100 + 1);
        assertThat(snapshot.keys()).isEqualTo(17);
        assertThat(snapshot.recent()).isEqualTo(new Recent(1, 121, 121));
        assertThat(snapshot.top()).extracting(KeyCount::key)
                .containsExactly("old", "key-o", "key-n", "key-m", "key-l", "key-k", "key-j", "key-i", "key-h", "key-g");
        assertThat(snapshot).isEqualTo(scanned());
    }

    @Test
    void shouldEqualAScanOfTheStoresAfterManyEvents() {
        Generation generation = new Generation(1, 1);
        TestInputTopic<String, EventRecord> events = events(start(generation), generation);
        Random random = new Random(11);
        for (int i = 0; i < 3_000; i++) {
            String key = "k" + (random.nextInt(3) == 0 ? random.nextInt(8) : random.nextInt(500));
            receive(events, key, 1, NOW.minusMillis(random.nextInt(90_000)));
        }

        assertThat(published()).isEqualTo(scanned());
        assertThat(published().total()).isEqualTo(3_000);
    }

    @Test
    void shouldCountHandedOverCountsAndBucketsOnceAndEqualAScan() {
        Generation second = new Generation(2, 1);
        start(second);
        TestInputTopic<String, Handover> handovers = driver.createInputTopic(second.handoverTopic(),
                Serdes.String().serializer(), Topics.HANDOVER.serializer());
        long bucket = NOW.toEpochMilli() - 500;
        handovers.pipeInput("from-0", new Handover(0, 2, 0,
                List.of(new Handover.KeyCount("a", 7), new Handover.KeyCount("b", 2)),
                List.of(new Handover.Bucket("a", bucket - 3_000, 7), new Handover.Bucket("b", bucket, 2)),
                List.of(), true), NOW);
        handovers.pipeInput("from-1", new Handover(1, 2, 0,
                List.of(new Handover.KeyCount("c", 30)),
                List.of(new Handover.Bucket("c", bucket - 600_000, 30)), List.of(), true), NOW);
        receive(events(driver, second), "a", 1, NOW);

        PartitionLoad.Snapshot snapshot = published();

        assertThat(snapshot.total()).isEqualTo(7 + 2 + 30 + 1);
        assertThat(snapshot.keys()).isEqualTo(3);
        assertThat(snapshot.top()).containsExactly(new KeyCount("c", 30), new KeyCount("a", 8), new KeyCount("b", 2));
        assertThat(snapshot.recent()).isEqualTo(new Recent(3, 10, 10));
        assertThat(snapshot).isEqualTo(scanned());
    }

    @Test
    void shouldWithdrawThePartitionWhenTheTaskCloses() {
        Generation generation = new Generation(1, 1);
        receive(events(start(generation), generation), "a", 1, NOW);
        assertThat(loads.active()).containsOnlyKeys(0);

        driver.close();
        driver = null;

        assertThat(loads.active()).isEmpty();
    }
}
