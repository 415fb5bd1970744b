package dev.surge.counter.topology;

import dev.surge.common.event.EventRecord;

/**
 * An event (or batch slice) that reached a new generation's task before every previous task had handed its state over: kept in the
 * task's store, in arrival order, and counted once the hand-over is complete.
 *
 * @param timestamp      the record's timestamp (the per-second bucket it counts in)
 * @param replyPartition the reply partition header, as it came (null when there was none)
 */
record HeldEvent(EventRecord event, long timestamp, String replyPartition) {
}
