package dev.surge.ingest.console;

import dev.surge.common.console.ConsoleStats;
import dev.surge.common.console.Increase;
import dev.surge.common.console.IntervalPercentiles;
import dev.surge.common.console.SecondsHistory;
import dev.surge.common.http.JsonResponses;
import dev.surge.common.http.Readiness;
import dev.surge.common.serde.JsonSerde;
import dev.surge.ingest.ack.AckInbox;
import dev.surge.ingest.load.LoadProxy;
import dev.surge.ingest.metrics.EventOutcomes;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.client.ContentResponse;

/**
 * {@code GET /stats} of ingest-api: this instance (readiness, reply partitions, circuit breaker), the
 * counter-streams instances (as one of them reports them all), and this instance's last seconds, sampled from the
 * meters {@code /metrics} shows: {@code surge_events_total} by outcome and {@code surge_ack_latency_seconds}.
 */
public final class IngestConsole implements AutoCloseable {
    private static final long COUNTERS_TIMEOUT_MS = 1_000;

    private final String instance;
    private final MeterRegistry registry;
    private final AckInbox inbox;
    private final LoadProxy counters;
    private final Increase outcomes = new Increase(true);
    private final IntervalPercentiles ackLatency;
    private final SecondsHistory history;

    /**
     * Starts sampling each second. The meters it reads ({@code surge.events}, {@code surge.ack.latency}) are those
     * the request handlers register: start this after them.
     */
    public IngestConsole(String instance, MeterRegistry registry, AckInbox inbox, LoadProxy counters, Clock clock) {
        this.instance = instance;
        this.registry = registry;
        this.inbox = inbox;
        this.counters = counters;
        Timer latency = registry.find("surge.ack.latency").timer();
        if (latency == null) {
            throw new IllegalStateException("surge.ack.latency is not registered yet: start the console after the "
                    + "request handlers");
        }
        this.ackLatency = new IntervalPercentiles(latency);
        this.history = SecondsHistory.start("console-" + instance, clock, this::sample);
    }

    private ConsoleStats.Second sample(long second) {
        Map<String, Double> byOutcome = new HashMap<>();
        for (Counter counter : registry.find("surge.events").counters()) {
            byOutcome.merge(counter.getId().getTag("outcome"), counter.count(), Double::sum);
        }
        Map<String, Long> added = outcomes.next(byOutcome);
        Map<String, Long> answers = new TreeMap<>();
        added.forEach((outcome, events) -> answers.merge(EventOutcomes.statusOf(outcome), events, Long::sum));
        IntervalPercentiles.Interval latency = ackLatency.next();
        return new ConsoleStats.Second(second, added.getOrDefault(EventOutcomes.COUNTED, 0L), answers,
                latency.p50Ms(), latency.p99Ms());
    }

    /** Answers {@code GET /stats}: {@code readiness} is this instance's now. */
    public void answer(Context ctx, Readiness readiness) {
        String url = ctx.scheme() + "://" + ctx.host(); // as the client reached this instance
        ConsoleStats.Instance self = new ConsoleStats.Instance(ConsoleStats.INGEST_API, instance, url,
                readiness.ready(), readiness.detail(), inbox.ownedPartitions(), null, null, breakerState(), null,
                null);
        ctx.future(() -> counterInstances().thenAccept(others -> {
            List<ConsoleStats.Instance> instances = new ArrayList<>();
            instances.add(self);
            instances.addAll(others);
            JsonResponses.json(ctx, 200, new ConsoleStats(self, instances, history.seconds()));
        }));
    }

    /** Every counter-streams instance, as the first one to answer reports them. */
    private CompletableFuture<List<ConsoleStats.Instance>> counterInstances() {
        return counters.get("/stats", COUNTERS_TIMEOUT_MS).thenApply(this::instancesIn);
    }

    private List<ConsoleStats.Instance> instancesIn(ContentResponse response) {
        String why;
        if (response == null) {
            why = "no counter-streams instance answered";
        } else if (response.getStatus() != 200) {
            why = "counter-streams answered " + response.getStatus();
        } else {
            try {
                return JsonSerde.MAPPER.readValue(response.getContent(), ConsoleStats.class).instances();
            } catch (IOException e) {
                why = "unreadable answer from counter-streams: " + e.getMessage();
            }
        }
        String reason = why;
        return counters.counters().stream()
                .map(URI::toString)
                .map(counter -> ConsoleStats.Instance.unreachable(ConsoleStats.COUNTER_STREAMS, counter, reason))
                .toList();
    }

    /** The state of the circuit breaker in front of Kafka, from resilience4j's gauge (1 for the current state). */
    private String breakerState() {
        for (Gauge state : registry.find("resilience4j.circuitbreaker.state").gauges()) {
            if (state.value() == 1) {
                return state.getId().getTag("state").toUpperCase(Locale.ROOT);
            }
        }
        return null;
    }

    @Override
    public void close() {
        history.close();
    }
}
