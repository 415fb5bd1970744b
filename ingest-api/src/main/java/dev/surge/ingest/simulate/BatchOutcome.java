package dev.surge.ingest.simulate;

import dev.surge.ingest.publish.EventPublisher.Written;
import java.time.Duration;
import java.util.List;

/**
 * How each event of an accepted batch ended, in the batch's order; the batch's answer is built from it.
 *
 * @param results    one per event
 * @param retryAfter when any event was not written: how long the client should wait before sending those again
 */
public record BatchOutcome(EventBatch batch, List<Result> results, Duration retryAfter) {

    /** What happened to one event. */
    public enum Status {
        /** Counted: its running count is known (200-like). */
        COUNTED,
        /** A retry of an idempotency key: not counted again; the first attempt's count (200-like). */
        DUPLICATE,
        /** Durable in Kafka, count not known here (yet) (202-like). */
        ACCEPTED,
        /** Not written: Kafka refused it, or the circuit breaker is open. Not counted; send it again. */
        UNAVAILABLE,
        /** Kafka did not confirm the write in time: it may or may not be counted; send it again with its key. */
        UNCONFIRMED;

        boolean written() {
            return this != UNAVAILABLE && this != UNCONFIRMED;
        }
    }

    /**
     * @param count   the running count (COUNTED, DUPLICATE), else 0
     * @param written where Kafka stored the event's slice, when the client asked for it ({@code ack=durable})
     */
    public record Result(Status status, long count, Written written) {
    }

    public boolean allCounted() {
        return results.stream().allMatch(r -> r.status() == Status.COUNTED || r.status() == Status.DUPLICATE);
    }

    public boolean allWritten() {
        return results.stream().allMatch(r -> r.status().written());
    }

    public boolean noneWritten() {
        return results.stream().noneMatch(r -> r.status().written());
    }

    /** How many events ended with {@code status}. */
    public int count(Status status) {
        return (int) results.stream().filter(r -> r.status() == status).count();
    }
}
