package dev.surge.common.countpath;

import java.util.List;

/**
 * State that one task of the previous generation hands to one partition of the next, on that generation's
 * hand-over topic. A task sends its keys in batches to the partitions the keys now live in; the last record it
 * sends to each partition has {@code done} set (with or without entries), so a partition of the new generation knows
 * it has everything once every one of the {@code fromPartitions} previous tasks has said done.
 *
 * <p>The new generation's own tasks write one more kind: {@link #ready(int, int)}, once each, on their own
 * partition, when they run; the rescale waits for all of them before it cuts over, so no event is held while a new
 * task is still starting.
 *
 * @param fromPartition  the previous generation's partition (task) that sends this
 * @param fromPartitions the previous generation's partition count
 * @param toPartition    the new generation's partition that receives it
 * @param taskReady      a readiness marker, not state: the task of {@code toPartition} runs
 */
public record Handover(int fromPartition, int fromPartitions, int toPartition, List<KeyCount> counts,
                       List<Bucket> buckets, List<Retry> retries, boolean done, boolean taskReady) {

    public Handover(int fromPartition, int fromPartitions, int toPartition, List<KeyCount> counts,
                    List<Bucket> buckets, List<Retry> retries, boolean done) {
        this(fromPartition, fromPartitions, toPartition, counts, buckets, retries, done, false);
    }

    /** The marker a new generation's task writes on its own partition once it runs. */
    public static Handover ready(int partition, int partitions) {
        return new Handover(partition, partitions, partition, List.of(), List.of(), List.of(), false, true);
    }

    public Handover {
        counts = List.copyOf(counts);
        buckets = List.copyOf(buckets);
        retries = List.copyOf(retries);
        if (fromPartition < 0 || fromPartition >= fromPartitions || toPartition < 0) {
            throw new IllegalArgumentException("bad partitions in a hand-over: from " + fromPartition + " of "
                    + fromPartitions + " to " + toPartition);
        }
    }

    /** A load key's all-time count. */
    public record KeyCount(String key, long count) {
    }

    /** Events of a load key in the one-second bucket starting at {@code start} (epoch ms). */
    public record Bucket(String key, long start, long count) {
    }

    /** An idempotency entry: the first attempt's count for (load key, idempotency key), stored at {@code timestamp}. */
    public record Retry(String retryKey, long count, long timestamp) {
    }

}
