package dev.surge.counter.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.common.countpath.Generation;
import dev.surge.common.event.LoadEvent;
import dev.surge.common.topic.Topics;
import dev.surge.counter.topology.CounterTopology;
import java.time.Instant;
import java.util.Properties;
import java.util.Set;
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
    private TestInputTopic<String, LoadEvent> events;
    private int sequence;

    @BeforeEach
    void setUp() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "local-stores-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(CounterTopology.build(CounterTopology.Options.DEFAULT,
                new Generation(1, 1), CounterTopology.Successor.NONE, reason -> { }), props);
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
    void shouldSumEveryKeyAndListTheBusiestFirst() {
        for (int k = 0; k < 15; k++) {
            receive("key-" + (char) ('a' + k), k + 1, NOW.minusSeconds(2));
        }
        receive("old", 100, NOW.minusSeconds(600));

        PartialLoad summary = LocalStores.summary(counts(), recent(), Set.of(0), NOW, null, 10, 10);

        assertThat(summary.total()).isEqualTo(120 + 100);
        assertThat(summary.keys()).isEqualTo(16);
        assertThat(summary.recent()).isEqualTo(new Recent(0, 120, 120));
        assertThat(summary.top()).extracting(KeyCount::key)
                .containsExactly("old", "key-o", "key-n", "key-m", "key-l", "key-k", "key-j", "key-i", "key-h", "key-g");
        assertThat(summary.matches()).isEmpty();
        assertThat(summary.partitions()).containsExactly(0);
    }

    @Test
    void shouldPageKeysByPrefix() {
        receive("shop:eu", 2, NOW);
        receive("shop:us", 1, NOW);
        receive("shop:asia", 3, NOW);
        receive("blog", 5, NOW);

        PartialLoad summary = LocalStores.summary(counts(), recent(), Set.of(), NOW, "shop:", 2, 10);

        assertThat(summary.matches()).containsExactly(new KeyCount("shop:asia", 3), new KeyCount("shop:eu", 2));
    }
}
