package dev.surge.ingest.publish;

import java.time.Duration;

/** A write refused without trying it: Kafka has been failing, and the circuit breaker is open. */
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
