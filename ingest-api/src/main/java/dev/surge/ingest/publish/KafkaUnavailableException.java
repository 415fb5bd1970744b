package dev.surge.ingest.publish;

import java.time.Duration;

/**
 * A write refused without trying it, so certainly not in Kafka: the circuit breaker is open, or the producer refused
 * the record before taking it (no metadata within the produce timeout, a full buffer, a record too large).
 */
public final class KafkaUnavailableException extends RuntimeException {
    private final transient Duration retryAfter;

    public KafkaUnavailableException(String message, Duration retryAfter) {
        super(message, null, false, false);
        this.retryAfter = retryAfter;
    }

    /** When a write may be tried again: the breaker lets probes through after this. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
