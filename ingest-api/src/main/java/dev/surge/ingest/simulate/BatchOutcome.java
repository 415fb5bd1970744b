package dev.surge.ingest.simulate;

import dev.surge.ingest.publish.EventPublisher.Written;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * How each event of an accepted batch ended, in the batch's order; the batch's answer is built from it.
 *
 * @param results    one per event
 * @param retryAfter when any event was not written: how long the client should wait before sending those again
 */
public record BatchOutcome(EventBatch batch, List<Result> results, Duration retryAfter, Map<Status, Integer> tally) {

    /** Counts the results by status once, for the answer's status and the metrics. */
    public BatchOutcome(EventBatch batch, List<Result> results, Duration retryAfter) {
        this(batch, results, retryAfter, tallyOf(results));
    }

    private static Map<Status, Integer> tallyOf(List<Result> results) {
        Map<Status, Integer> tally = new EnumMap<>(Status.class);
        for (Status status : Status.values()) {
            tally.put(status, 0);
        }
        results.forEach(result -> tally.merge(result.status(), 1, Integer::sum));
        return tally;
    }

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
        UNCONFIRMED
    }

    /**
     * @param count   the running count (COUNTED, DUPLICATE), else 0
     * @param written where Kafka stored the event's slice, when the client asked for it ({@code ack=durable})
     */
    public record Result(Status status, long count, Written written) {
    }

    public boolean allCounted() {
        return count(Status.COUNTED) + count(Status.DUPLICATE) == results.size();
    }

    public boolean allWritten() {
        return count(Status.UNAVAILABLE) + count(Status.UNCONFIRMED) == 0;
    }

    public boolean noneWritten() {
        return count(Status.UNAVAILABLE) + count(Status.UNCONFIRMED) == results.size();
    }

    /** How many events ended with {@code status}. */
    public int count(Status status) {
        return tally.get(status);
    }
}
