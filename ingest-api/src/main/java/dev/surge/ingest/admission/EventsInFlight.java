package dev.surge.ingest.admission;

import dev.surge.common.concurrent.Budget;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Events admitted and not yet answered, single and batched together, and their bound
 * ({@code SURGE_MAX_EVENTS_IN_FLIGHT}). Never waits: a request whose events do not fit now is refused.
 */
final class EventsInFlight {
    private final Budget held;

    EventsInFlight(int max, MeterRegistry registry) {
        this.held = new Budget(max);
        Gauge.builder("surge.events.in.flight", held, Budget::taken)
                .description("Events admitted and not yet answered, single and batched (at most "
                        + "SURGE_MAX_EVENTS_IN_FLIGHT)")
                .register(registry);
    }

    /** Takes room for {@code events}, or returns false and takes nothing. */
    boolean tryTake(int events) {
        return held.tryTake(events);
    }

    void giveBack(int events) {
        held.giveBack(events);
    }

    int held() {
        return (int) held.taken();
    }
}
