package dev.surge.counter.query;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link PartitionLoad}s of one count path generation's active tasks in this instance, by partition: the
 * counting processor of a task publishes its aggregate here once its stores are restored and it is initialised, and
 * withdraws it when the task is closed (revoked, suspended, or closed dirty after an aborted transaction). A
 * partition is therefore present exactly while this instance actively counts it; {@code GET /load} reports those
 * partitions, and {@link LoadQueries#merge} checks that the instances' answers cover each partition once.
 */
public final class PartitionLoads {
    private final Map<Integer, PartitionLoad> byPartition = new ConcurrentHashMap<>();

    public void publish(int partition, PartitionLoad load) {
        byPartition.put(partition, load);
    }

    /** Withdraws {@code load}, unless another processor of the same partition has published its own since. */
    public void withdraw(int partition, PartitionLoad load) {
        byPartition.remove(partition, load);
    }

    /** Whether this instance counts {@code partition} now. */
    public boolean counts(int partition) {
        return byPartition.containsKey(partition);
    }

    /** The partitions counted here now, each with its aggregate. */
    public Map<Integer, PartitionLoad> active() {
        return Map.copyOf(byPartition);
    }
}
