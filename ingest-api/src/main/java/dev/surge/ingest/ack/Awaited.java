package dev.surge.ingest.ack;

/** A request registered with the inbox for counts: one event ({@link PendingAck}) or one batch ({@link PendingBatch}). */
sealed interface Awaited permits PendingAck, PendingBatch {
    /** The {@code load-acks} partition its counts are sent to. */
    int replyPartition();

    /** Stops waiting: no (more) counts will reach this instance for it. */
    void release();
}
