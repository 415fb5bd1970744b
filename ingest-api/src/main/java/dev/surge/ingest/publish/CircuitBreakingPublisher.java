package dev.surge.ingest.publish;

import dev.surge.common.countpath.Generation;
import dev.surge.common.event.EventRecord;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards Kafka writes with a resilience4j circuit breaker, so that a broker that is down or stalled costs a
 * request at most the produce timeout, and once the breaker is open nothing at all: writes are refused at once
 * with {@link KafkaUnavailableException} until, after {@code openDuration}, one probe write is let through.
 * When it succeeds the breaker closes again by itself; when it fails, the breaker stays open another
 * {@code openDuration}.
 *
 * <p>Every write also has a deadline of the produce timeout here, whatever the Kafka client does, so no answer
 * waits longer than that for Kafka.
 */
public final class CircuitBreakingPublisher implements EventPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(CircuitBreakingPublisher.class);
    static final String NAME = "kafka-publish";

    private final EventPublisher delegate;
    private final CircuitBreaker breaker;
    private final Duration deadline;
    private final Duration openDuration;

    CircuitBreakingPublisher(EventPublisher delegate, CircuitBreaker breaker, Duration deadline, Duration openDuration) {
        this.delegate = delegate;
        this.breaker = breaker;
        this.deadline = deadline;
        this.openDuration = openDuration;
    }

    /**
     * @param produceTimeout the longest a write may take before it counts as failed
     * @param openDuration   how long the breaker refuses writes after it opens, before it probes Kafka again
     * @param clock          the breaker's clock ({@code Clock.systemUTC()}; a fake one in tests)
     */
    public static CircuitBreakingPublisher create(EventPublisher delegate, Duration produceTimeout,
                                                  Duration openDuration, Clock clock, MeterRegistry registry) {
        // A write fails only once Kafka's own retries have used up the produce timeout: a real outage, not a blip.
        // So a few failures suffice to open, even at low traffic (a lone client retrying must not wait out ten
        // produce timeouts); at high traffic the rate over the last 20 writes decides.
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(20)
                .minimumNumberOfCalls(3)
                .failureRateThreshold(50)
                .waitDurationInOpenState(openDuration)
                // One probe at a time: while Kafka is still down it is the only request that waits the timeout.
                .permittedNumberOfCallsInHalfOpenState(1)
                .clock(clock)
                .build();
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(config);
        CircuitBreaker breaker = breakers.circuitBreaker(NAME);
        breaker.getEventPublisher().onStateTransition(event -> {
            CircuitBreaker.StateTransition transition = event.getStateTransition();
            if (transition.getToState() == CircuitBreaker.State.OPEN) {
                LOG.warn("Kafka circuit breaker {} -> {}: {}% of recent writes failed; writes refused for {}",
                        transition.getFromState(), transition.getToState(),
                        Math.round(breaker.getMetrics().getFailureRate()), openDuration);
            } else {
                LOG.info("Kafka circuit breaker {} -> {}", transition.getFromState(), transition.getToState());
            }
        });
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
        return new CircuitBreakingPublisher(delegate, breaker, produceTimeout, openDuration);
    }

    public CircuitBreaker.State state() {
        return breaker.getState();
    }

    @Override
    public Generation writeTo() {
        return delegate.writeTo();
    }

    @Override
    public CompletableFuture<Written> publish(EventRecord event, Generation generation, OptionalInt replyPartition) {
        if (!breaker.tryAcquirePermission()) {
            return CompletableFuture.failedFuture(new KafkaUnavailableException(
                    "Kafka writes are failing; the circuit breaker is open", openDuration));
        }
        long start = breaker.getCurrentTimestamp();
        CompletableFuture<Written> written;
        try {
            written = delegate.publish(event, generation, replyPartition).copy()
                    .orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            written = CompletableFuture.failedFuture(e);
        }
        return written.whenComplete((ok, failure) -> {
            long took = breaker.getCurrentTimestamp() - start;
            if (failure == null) {
                breaker.onSuccess(took, breaker.getTimestampUnit());
            } else {
                breaker.onError(took, breaker.getTimestampUnit(), failure);
            }
        });
    }

    @Override
    public void close() {
        delegate.close();
    }
}
