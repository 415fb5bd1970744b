package dev.surge.ingest.ack;

import dev.surge.common.event.SliceAck;
import java.util.concurrent.CompletableFuture;

/**
 * A batch waiting for the counts of its events, which arrive slice by slice ({@link SliceAck}s, in any order; a
 * slice forwarded during a rescale can come back in parts). {@link #done()} completes once every event still
 * expected has its count, or with whatever has arrived when it is completed from outside (ack timeout, reply
 * partition moved, events not written: {@link #notExpected}).
 */
public final class PendingBatch implements Awaited {
    private final String batchId;
    private final int replyPartition;
    /** Per position: the count (0 while unknown). */
    private final long[] counts;
    private final boolean[] duplicate;
    private final boolean[] expected;
    private int missing;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    /** @param replyPartition the {@code load-acks} partition the counts will be sent to */
    public PendingBatch(String batchId, int replyPartition, int events) {
        this.batchId = batchId;
        this.replyPartition = replyPartition;
        this.counts = new long[events];
        this.duplicate = new boolean[events];
        this.expected = new boolean[events];
        java.util.Arrays.fill(expected, true);
        this.missing = events;
    }

    public String batchId() {
        return batchId;
    }

    @Override
    public int replyPartition() {
        return replyPartition;
    }

    /** Completes when every expected event has its count, or when the batch stops waiting. */
    public CompletableFuture<Void> done() {
        return done;
    }

    /** Takes the counts of one slice (or part of one); a count already known is kept. */
    public void counted(SliceAck ack) {
        boolean complete;
        synchronized (this) {
            for (int i = 0; i < ack.positions().size(); i++) {
                int position = ack.positions().get(i);
                if (position >= counts.length || counts[position] != 0) {
                    continue;
                }
                counts[position] = ack.counts().get(i);
                if (expected[position]) {
                    missing--;
                }
            }
            for (int position : ack.duplicates()) {
                if (position < duplicate.length) {
                    duplicate[position] = true;
                }
            }
            complete = missing == 0;
        }
        if (complete) {
            done.complete(null);
        }
    }

    /** No count will come for these positions (their slice was not written): the batch does not wait for them. */
    public void notExpected(Iterable<Integer> positions) {
        boolean complete;
        synchronized (this) {
            for (int position : positions) {
                if (expected[position]) {
                    expected[position] = false;
                    if (counts[position] == 0) {
                        missing--;
                    }
                }
            }
            complete = missing == 0;
        }
        if (complete) {
            done.complete(null);
        }
    }

    /** Stops waiting: {@link #done()} completes with the counts known now. */
    @Override
    public void release() {
        done.complete(null);
    }

    /** The counts known now, per position (0 where none came), and which were duplicates. */
    public synchronized Counts counts() {
        return new Counts(counts.clone(), duplicate.clone());
    }

    /** A copy of what a batch knew at one moment. */
    public record Counts(long[] counts, boolean[] duplicate) {
    }
}
