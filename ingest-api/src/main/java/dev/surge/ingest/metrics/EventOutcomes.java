package dev.surge.ingest.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code surge_events_total{outcome, client}}: how every {@code POST /simulate} ended, refused ones included.
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

    private final MeterRegistry registry;

    public EventOutcomes(MeterRegistry registry) {
        this.registry = registry;
    }

    public void count(String outcome, String clientTag) {
        Counter.builder("surge.events")
                .description("POST /simulate requests by how they ended")
                .tag("outcome", outcome)
                .tag("client", clientTag)
                .register(registry)
                .increment();
    }
}
