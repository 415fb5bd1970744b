package dev.surge.counter.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.common.countpath.Generation;
import dev.surge.common.event.EventRecord;
import dev.surge.common.event.LoadEvent;
import dev.surge.common.topic.Topics;
import dev.surge.counter.topology.CounterTopology;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LocalStoresTest {
    private static final Instant NOW = Instant.parse("2026-11-29T12:10:00.500Z");
    private TopologyTestDriver driver;
    private TestInputTopic<String, EventRecord> events;
    private int sequence;

    @BeforeEach
    void setUp() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "local-stores-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(CounterTopology.build(CounterTopology.Options.DEFAULT,
                new Generation(1, 1), CounterTopology.Successor.NONE, reason -> { }, new PartitionLoads()), props);
        events = driver.createInputTopic(Topics.LOAD_EVENTS.name(),
                Topics.LOAD_EVENTS.keySerde().serializer(), Topics.LOAD_EVENTS.valueSerde().serializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private void receive(String key, int times, Instant at) {
        for (int i = 0; i < times; i++) {
            events.pipeInput(key, new LoadEvent("e" + sequence++, key, at.toEpochMilli()), at);
        }
    }

    private KeyValueStore<String, Long> counts() {
        return driver.getKeyValueStore(CounterTopology.COUNTS_STORE);
    }

    private WindowStore<String, Long> recent() {
        return driver.getWindowStore(CounterTopology.RECENT_STORE);
    }

    @Test
    void shouldSplitAKeysLoadIntoTrailingWindows() {
        receive("checkout", 4, NOW.minusSeconds(120));
        receive("checkout", 3, NOW.minusSeconds(30));
        receive("checkout", 2, NOW.minusSeconds(5));
        receive("checkout", 1, NOW);

        KeyLoad load = LocalStores.keyLoad(counts(), recent(), "checkout", NOW);

        assertThat(load.load()).isEqualTo(10);
        assertThat(load.recent()).isEqualTo(new Recent(1, 3, 6));
        assertThat(load.stale()).isNull();
    }

    @Test
    void shouldAnswerZeroForAKeyNeverSeen() {
        receive("other", 1, NOW);

        assertThat(LocalStores.keyLoad(counts(), recent(), "never", NOW)).isEqualTo(new KeyLoad("never", 0, Recent.NONE, null));
    }

    @Test
    void shouldPageKeysByPrefix() {
        receive("shop:eu", 2, NOW);
        receive("shop:us", 1, NOW);
        receive("shop:asia", 3, NOW);
        receive("blog", 5, NOW);

        assertThat(LocalStores.matches(counts(), "shop:", 2)).containsExactly(new KeyCount("shop:asia", 3), new KeyCount("shop:eu", 2));
    }
}
