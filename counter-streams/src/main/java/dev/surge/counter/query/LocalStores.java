package dev.surge.counter.query;

import dev.surge.counter.topology.CounterTopology;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Reads the count stores of one instance: pure functions of the stores and the current time, so they are tested
 * against TopologyTestDriver's stores and run unchanged against the live ones. (The totals of {@code GET /load} are
 * not read here but kept up to date by the count: {@link PartitionLoad}.)
 */
public final class LocalStores {
    private static final java.util.Comparator<KeyCount> BY_KEY = java.util.Comparator.comparing(KeyCount::key);
    private static final Duration[] WINDOWS = {Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(60)};

    private LocalStores() {
    }

    public static KeyLoad keyLoad(ReadOnlyKeyValueStore<String, Long> counts, ReadOnlyWindowStore<String, Long> recent,
                                  String key, Instant now) {
        Long load = counts.get(key);
        long[] sums = new long[WINDOWS.length];
        try (WindowStoreIterator<Long> buckets = recent.fetch(key, from(now), now)) {
            buckets.forEachRemaining(bucket -> add(sums, bucket.key, bucket.value, now));
        }
        return new KeyLoad(key, load == null ? 0 : load, toRecent(sums), null);
    }

    /**
     * The {@code limit} smallest keys starting with {@code prefix}, in key order, with their counts: a prefix scan,
     * as long as the matches.
     */
    public static List<KeyCount> matches(ReadOnlyKeyValueStore<String, Long> counts, String prefix, int limit) {
        // A store made of several partitions scans them one after the other, not in global key order: keep the
        // `limit` smallest keys of all that match.
        PriorityQueue<KeyCount> firstKeys = new PriorityQueue<>(BY_KEY.reversed());
        try (KeyValueIterator<String, Long> found = counts.prefixScan(prefix, Serdes.String().serializer())) {
            while (found.hasNext()) {
                KeyValue<String, Long> entry = found.next();
                firstKeys.add(new KeyCount(entry.key, entry.value));
                if (firstKeys.size() > limit) {
                    firstKeys.poll();
                }
            }
        }
        List<KeyCount> matches = new ArrayList<>(firstKeys);
        matches.sort(BY_KEY);
        return matches;
    }

    private static Instant from(Instant now) {
        return now.minus(WINDOWS[WINDOWS.length - 1]).minus(CounterTopology.BUCKET);
    }

    /** A bucket counts towards a window when it overlaps it: its start lies after now - window - 1 s. */
    private static void add(long[] sums, long bucketStart, long count, Instant now) {
        for (int i = 0; i < WINDOWS.length; i++) {
            if (bucketStart > now.toEpochMilli() - WINDOWS[i].toMillis() - CounterTopology.BUCKET.toMillis()) {
                sums[i] += count;
            }
        }
    }

    private static Recent toRecent(long[] sums) {
        return new Recent(sums[0], sums[1], sums[2]);
    }
}
