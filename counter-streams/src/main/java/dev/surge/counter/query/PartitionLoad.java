package dev.surge.counter.query;

import dev.surge.counter.topology.CounterTopology;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.PriorityQueue;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * What {@code GET /load} needs from one partition (one stream task): the total of all counts, the number of keys,
 * the busiest {@link LoadQueries#TOP} keys and the events per one-second bucket over the last two minutes, kept up
 * to date as the task counts, so that a query costs the same at a thousand keys as at a million.
 *
 * <p>Why this is exact: a key's count only ever grows (an event adds one; a hand-over puts a count into a partition
 * of a new generation that did not hold the key). The total and the number of keys therefore change by what each
 * store write changes. The top list stays the exact top: a key that grows either is in it already (it stays), or
 * enters it when it beats the smallest entry, which then becomes eleventh; every key outside the list was at or
 * below that entry and did not change, so a key that fell out can only come back by growing. (A hand-over that put
 * a smaller count over a larger one would break this; it never happens, but {@link #rebuild} is the answer if it
 * does.) Events are added to their bucket (record timestamp floored to the second, as the counts store does); a
 * bucket is dropped once it is {@link #KEPT} older than the stream thread's clock, when no query window (60 s) can
 * reach it any more.
 *
 * <p>Why in memory and not a store: the stores are the truth and already in the task's exactly-once transactions;
 * this is a function of them. It is rebuilt from them by one scan whenever the task's processor is initialised, and
 * Kafka Streams initialises the processor only once the task's stores are restored, including after an aborted
 * transaction (see {@code RunningCountProcessor#init}), so it never holds more than the stores plus what this task
 * has processed since. A store of its own would add a changelog write per event for what one scan recovers.
 *
 * <p>The stream thread writes and HTTP threads read: every method is synchronised on this object, so a reader sees
 * one consistent total, key count, top list and set of buckets.
 */
public final class PartitionLoad {
    /** How long a bucket is kept after its start, by the stream thread's clock: past the 60 s window, with margin. */
    public static final long KEPT = 120_000;
    private static final long BUCKET = CounterTopology.BUCKET.toMillis();
    private static final long[] WINDOWS = {1_000, 10_000, 60_000};

    private long total;
    private long keys;
    /** The busiest keys, busiest first; every key when there are fewer than {@link LoadQueries#TOP}. */
    private final List<KeyCount> top = new ArrayList<>(LoadQueries.TOP + 1);
    /** Events per bucket start; a long[1] so that adding to a bucket does not allocate. */
    private final NavigableMap<Long, long[]> buckets = new TreeMap<>();

    /** What one partition holds now: the piece of {@code GET /load} it contributes. */
    public record Snapshot(long total, long keys, Recent recent, List<KeyCount> top) {
    }

    /** An empty partition. */
    public PartitionLoad() {
    }

    /**
     * The aggregate of what the stores hold, by one scan of every key and of the buckets from {@code now - KEPT} on.
     */
    public static PartitionLoad scan(ReadOnlyKeyValueStore<String, Long> counts,
                                     ReadOnlyWindowStore<String, Long> recent, long now) {
        PartitionLoad load = new PartitionLoad();
        load.replaceWith(counts, recent, now);
        return load;
    }

    /** Throws away what this holds and scans the stores again (see the class comment for when). */
    public synchronized void rebuild(ReadOnlyKeyValueStore<String, Long> counts,
                                     ReadOnlyWindowStore<String, Long> recent, long now) {
        replaceWith(counts, recent, now);
    }

    private void replaceWith(ReadOnlyKeyValueStore<String, Long> counts, ReadOnlyWindowStore<String, Long> recent,
                             long now) {
        total = 0;
        keys = 0;
        top.clear();
        buckets.clear();
        PriorityQueue<KeyCount> busiest = new PriorityQueue<>(KeyCount.BUSIEST_FIRST.reversed());
        try (KeyValueIterator<String, Long> all = counts.all()) {
            while (all.hasNext()) {
                KeyValue<String, Long> entry = all.next();
                total += entry.value;
                keys++;
                busiest.add(new KeyCount(entry.key, entry.value));
                if (busiest.size() > LoadQueries.TOP) {
                    busiest.poll();
                }
            }
        }
        top.addAll(busiest);
        top.sort(KeyCount.BUSIEST_FIRST);
        try (KeyValueIterator<Windowed<String>, Long> all = recent.fetchAll(Instant.ofEpochMilli(from(now)),
                Instant.ofEpochMilli(Long.MAX_VALUE))) {
            all.forEachRemaining(bucket -> buckets.computeIfAbsent(bucket.key.window().start(), start -> new long[1])[0]
                    += bucket.value);
        }
    }

    /**
     * A key's count went from {@code before} (null: the partition did not hold the key) to {@code after}.
     *
     * @return false when {@code after} is below {@code before}: the top list may then be wrong and the caller
     * should {@link #rebuild} (after writing the store)
     */
    public synchronized boolean counted(String key, Long before, long after) {
        total += after - (before == null ? 0 : before);
        if (before == null) {
            keys++;
        } else if (after < before) {
            return false;
        }
        KeyCount now = new KeyCount(key, after);
        if (top.size() == LoadQueries.TOP && KeyCount.BUSIEST_FIRST.compare(now, top.get(top.size() - 1)) > 0) {
            return true; // below the smallest of a full list: it was not in it (it only grew) and does not enter
        }
        if (before != null) {
            top.removeIf(entry -> entry.key().equals(key));
        }
        int at = 0;
        while (at < top.size() && KeyCount.BUSIEST_FIRST.compare(top.get(at), now) < 0) {
            at++;
        }
        top.add(at, now);
        if (top.size() > LoadQueries.TOP) {
            top.remove(top.size() - 1);
        }
        return true;
    }

    /**
     * {@code events} more events in the bucket starting at {@code bucketStart}; {@code now} is the stream thread's
     * clock, which drops the buckets no query can reach any more.
     */
    public synchronized void added(long bucketStart, long events, long now) {
        if (bucketStart >= from(now)) {
            buckets.computeIfAbsent(bucketStart, start -> new long[1])[0] += events;
        }
        if (!buckets.isEmpty() && buckets.firstKey() < from(now)) {
            buckets.headMap(from(now)).clear();
        }
    }

    /** Whether a bucket starting at {@code bucketStart} is still kept at {@code now} (else it needs no update). */
    public static boolean kept(long bucketStart, long now) {
        return bucketStart >= from(now);
    }

    /**
     * The partition now: totals, top list, and the events in the buckets that overlap the trailing 1 s, 10 s and
     * 60 s (start after {@code now - window - 1 s}, not after {@code now}: as {@link LocalStores#keyLoad}).
     */
    /** Every event counted in this partition. */
    public synchronized long total() {
        return total;
    }

    public synchronized Snapshot snapshot(long now) {
        long[] sums = new long[WINDOWS.length];
        for (Map.Entry<Long, long[]> bucket : buckets.subMap(now - WINDOWS[WINDOWS.length - 1] - BUCKET, false,
                now, true).entrySet()) {
            for (int i = 0; i < WINDOWS.length; i++) {
                if (bucket.getKey() > now - WINDOWS[i] - BUCKET) {
                    sums[i] += bucket.getValue()[0];
                }
            }
        }
        return new Snapshot(total, keys, new Recent(sums[0], sums[1], sums[2]), List.copyOf(top));
    }

    private static long from(long now) {
        return now - KEPT;
    }
}
