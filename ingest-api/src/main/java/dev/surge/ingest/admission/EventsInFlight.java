package dev.surge.ingest.admission;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Events admitted and not yet answered, single and batched together, and their bound
 * ({@code SURGE_MAX_EVENTS_IN_FLIGHT}). Never waits: a request whose events do not fit now is refused.
 */
final class EventsInFlight {
    private final int max;
    private final AtomicInteger held = new AtomicInteger();

    EventsInFlight(int max, MeterRegistry registry) {
        this.max = max;
        Gauge.builder("surge.events.in.flight", held, AtomicInteger::get)
                .description("Events admitted and not yet answered, single and batched (at most "
                        + "SURGE_MAX_EVENTS_IN_FLIGHT)")
                .register(registry);
    }

    /** Takes room for {@code events}, or returns false and takes nothing. */
    boolean tryTake(int events) {
        while (true) {
            int now = held.get();
            if (now + events > max) {
                return false;
            }
            if (held.compareAndSet(now, now + events)) {
                return true;
            }
        }
    }

    void giveBack(int events) {
        held.addAndGet(-events);
    }

    int held() {
        return held.get();
    }
}
