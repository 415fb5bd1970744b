package dev.surge.ingest.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code surge_events_total{outcome, client}}: how every event ended, refused ones included: a {@code POST /simulate}
 * is one event, a {@code POST /simulate/batch} as many as it carries (a batch refused before it was read, one).
 *
 * <p>{@code client} is the API key's name when keys are on, else {@code anonymous}: remote addresses would make one
 * time series per address, without bound.
 */
public final class EventOutcomes {
    public static final String COUNTED = "counted";
    public static final String DUPLICATE = "duplicate";
    public static final String ACCEPTED = "accepted";
    public static final String DURABLE = "durable";
    public static final String UNAVAILABLE = "unavailable";
    public static final String UNCONFIRMED = "unconfirmed";
    public static final String INVALID = "invalid";
    public static final String UNAUTHORIZED = "unauthorized";
    public static final String RATE_LIMITED = "rate_limited";
    public static final String OVERLOADED = "overloaded";

    /** The HTTP status a single event with each outcome is answered with. */
    private static final Map<String, Integer> STATUS = Map.of(
            COUNTED, 200, DUPLICATE, 200, ACCEPTED, 202, DURABLE, 202, INVALID, 400, UNAUTHORIZED, 401,
            RATE_LIMITED, 429, OVERLOADED, 503, UNAVAILABLE, 503, UNCONFIRMED, 504);

    private final MeterRegistry registry;
    /**
     * Counters by outcome, then client tag: both sets are small (see above). Under overload this runs for every
     * refused request, so a counter is looked up rather than built each time.
     */
    private final Map<String, Map<String, Counter>> counters = new ConcurrentHashMap<>();

    public EventOutcomes(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The status a single event that ended as {@code outcome} is answered with, as text; "other" if unknown. */
    public static String statusOf(String outcome) {
        Integer status = STATUS.get(outcome);
        return status == null ? "other" : status.toString();
    }

    public void count(String outcome, String clientTag) {
        count(outcome, clientTag, 1);
    }

    /** {@code events} events (of one batch) ended this way. */
    public void count(String outcome, String clientTag, int events) {
        if (events == 0) {
            return;
        }
        counters.computeIfAbsent(outcome, o -> new ConcurrentHashMap<>())
                .computeIfAbsent(clientTag, client -> Counter.builder("surge.events")
                        .description("Events (POST /simulate requests, and each event of POST /simulate/batch) by "
                                + "how they ended")
                        .tag("outcome", outcome)
                        .tag("client", client)
                        .register(registry))
                .increment(events);
    }
}
