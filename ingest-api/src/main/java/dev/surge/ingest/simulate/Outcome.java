package dev.surge.ingest.simulate;

import dev.surge.common.event.CountAck;
import dev.surge.common.event.LoadEvent;
import dev.surge.ingest.publish.EventPublisher.Written;
import java.time.Duration;

/** How an accepted request ended; each maps to one HTTP answer. */
public sealed interface Outcome {

    /**
     * Counted: 200 with the key's running count including this event, or, when {@code ack.duplicate()}, the count
     * the first attempt with the same idempotency key got.
     */
    record Counted(CountAck ack) implements Outcome {
    }

    /** Durable in Kafka, count not known here (yet): 202. {@code written} is set when the client asked for it. */
    record Accepted(LoadEvent event, Written written) implements Outcome {
    }

    /**
     * Kafka did not take the event, and it will not: the write was refused before it reached Kafka (the circuit
     * breaker is open, or the client refused it at once). 503; the client should retry after {@code retryAfter}.
     */
    record Unavailable(LoadEvent event, String reason, Duration retryAfter) implements Outcome {
    }

    /**
     * Kafka did not confirm the write in time. Whether it took it is not known here: a write that reached a broker
     * whose answer was lost, or that the producer sent again, can be in the log; it will then be counted. 504: the
     * client should retry with the same {@code Idempotency-Key}, which is counted once either way.
     */
    record Unconfirmed(LoadEvent event, String reason, Duration retryAfter) implements Outcome {
    }
}
