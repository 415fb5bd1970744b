package dev.surge.counter.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The running totals of one partition, fed by hand: what the counting processor tells it. */
class PartitionLoadTest {
    private static final long NOW = 1_795_000_000_500L;

    @Test
    void shouldAddEachIncrementToTheTotalAndCountANewKeyOnce() {
        PartitionLoad load = new PartitionLoad();

        load.counted("a", null, 1);
        load.counted("a", 1L, 2);
        load.counted("b", null, 1);

        PartitionLoad.Snapshot snapshot = load.snapshot(NOW);
        assertThat(snapshot.total()).isEqualTo(3);
        assertThat(snapshot.keys()).isEqualTo(2);
        assertThat(snapshot.top()).containsExactly(new KeyCount("a", 2), new KeyCount("b", 1));
    }

    @Test
    void shouldTakeAHandedOverCountAsANewKeyWithItsWholeCount() {
        PartitionLoad load = new PartitionLoad();
        load.counted("a", null, 1);

        load.counted("handed", null, 40);

        PartitionLoad.Snapshot snapshot = load.snapshot(NOW);
        assertThat(snapshot.total()).isEqualTo(41);
        assertThat(snapshot.keys()).isEqualTo(2);
        assertThat(snapshot.top()).first().isEqualTo(new KeyCount("handed", 40));
    }

    @Test
    void shouldSayWhenACountWentDownSoTheCallerScansAgain() {
        PartitionLoad load = new PartitionLoad();
        load.counted("a", null, 5);

        assertThat(load.counted("a", 5L, 3)).isFalse();
        assertThat(load.counted("a", 3L, 4)).isTrue();
    }

    @Test
    void shouldEvictTheSmallestFromAFullTopAndLetAnEvictedKeyBackOnlyByGrowing() {
        PartitionLoad load = new PartitionLoad();
        for (int k = 1; k <= 10; k++) {
            load.counted("k" + k, null, 10 + k); // k1 = 11 ... k10 = 20
        }

        load.counted("new", null, 12); // beats k1 (11)
        assertThat(load.snapshot(NOW).top()).extracting(KeyCount::key).doesNotContain("k1").contains("new");

        load.counted("k1", 11L, 12); // ties "new" (12) and k2 (12): ties go by key, k1 first
        assertThat(load.snapshot(NOW).top()).extracting(KeyCount::key).contains("k1").doesNotContain("new");
        assertThat(load.snapshot(NOW).top()).hasSize(10)
                .last().isEqualTo(new KeyCount("k2", 12));
    }

    @Test
    void shouldAlwaysHoldTheSameTopAsSortingEveryKey() {
        Random random = new Random(7);
        PartitionLoad load = new PartitionLoad();
        Map<String, Long> counts = new HashMap<>();
        for (int step = 0; step < 20_000; step++) {
            // A few busy keys and a long tail, so keys keep entering and leaving the top.
            String key = "k" + (random.nextBoolean() ? random.nextInt(15) : random.nextInt(400));
            Long before = counts.get(key);
            long after = (before == null ? 0 : before) + 1 + (random.nextInt(50) == 0 ? random.nextInt(30) : 0);
            counts.put(key, after);
            load.counted(key, before, after);

            if (step % 97 == 0) {
                List<KeyCount> all = new ArrayList<>();
                counts.forEach((k, count) -> all.add(new KeyCount(k, count)));
                all.sort(KeyCount.BUSIEST_FIRST);
                PartitionLoad.Snapshot snapshot = load.snapshot(NOW);
                assertThat(snapshot.top()).as("step %d", step).isEqualTo(all.subList(0, Math.min(10, all.size())));
                assertThat(snapshot.keys()).isEqualTo(counts.size());
                assertThat(snapshot.total()).isEqualTo(counts.values().stream().mapToLong(Long::longValue).sum());
            }
        }
    }

    @Test
    void shouldSumTheBucketsThatOverlapEachTrailingWindowAsTimePasses() {
        PartitionLoad load = new PartitionLoad();
        long second = NOW - 500; // the bucket NOW falls in
        load.added(second, 1, NOW);
        load.added(second - 5_000, 2, NOW);
        load.added(second - 30_000, 3, NOW);
        load.added(second - 120_000, 4, NOW); // older than any window: not kept
        load.added(second + 2_000, 5, NOW); // a clock ahead of ours: counted once its second has come

        assertThat(load.snapshot(NOW).recent()).isEqualTo(new Recent(1, 3, 6));
        assertThat(load.snapshot(NOW + 2_000).recent()).isEqualTo(new Recent(5, 8, 11));
        assertThat(load.snapshot(NOW + 40_000).recent()).isEqualTo(new Recent(0, 0, 8));
        assertThat(load.snapshot(NOW + 70_000).recent()).isEqualTo(Recent.NONE);
    }

    @Test
    void shouldDropBucketsNoWindowCanReachAnyMore() {
        PartitionLoad load = new PartitionLoad();
        load.added(NOW - 500, 7, NOW);

        load.added(NOW + 200_000, 1, NOW + 200_000);

        // Had the old bucket been kept, a query with a clock set back could still see it: it is gone.
        assertThat(load.snapshot(NOW).recent()).isEqualTo(Recent.NONE);
        assertThat(PartitionLoad.kept(NOW - 500, NOW + 200_000)).isFalse();
        assertThat(PartitionLoad.kept(NOW - 500, NOW + 60_000)).isTrue();
    }
}
