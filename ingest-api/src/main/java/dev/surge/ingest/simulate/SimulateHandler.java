package dev.surge.ingest.simulate;

import dev.surge.common.event.LoadEvent;
import dev.surge.common.http.JsonResponses;
import dev.surge.common.http.Problem;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /simulate[?ack=count|durable]}: validates, hands the event to {@link Ingestion} and answers when the
 * outcome is known. No request thread waits: the answer is written on {@code responseExecutor} when the count (or
 * Kafka's acknowledgement, or a timeout) arrives.
 */
public final class SimulateHandler implements Handler {
    private static final Logger LOG = LoggerFactory.getLogger(SimulateHandler.class);

    private final Ingestion ingestion;
    private final Executor responseExecutor;
    private final Clock clock;
    private final MeterRegistry registry;
    private final Timer countLatency;

    public SimulateHandler(Ingestion ingestion, Executor responseExecutor, Clock clock, MeterRegistry registry) {
        this.ingestion = ingestion;
        this.responseExecutor = responseExecutor;
        this.clock = clock;
        this.registry = registry;
        this.countLatency = Timer.builder("surge.ack.latency")
                .description("From request received to running count known (200 answers)")
                .publishPercentileHistogram()
                .register(registry);
    }

    @Override
    public void handle(Context ctx) {
        AckMode mode = AckMode.fromQuery(ctx.queryParam("ack"));
        SimulateRequest request = SimulateRequest.parse(ctx.bodyAsBytes());
        long started = System.nanoTime();
        LoadEvent event = new LoadEvent(UUID.randomUUID().toString(), request.key(), clock.millis());
        ctx.future(() -> ingestion.submit(event, mode)
                .thenAcceptAsync(outcome -> answer(ctx, outcome, started), responseExecutor));
    }

    private void answer(Context ctx, Outcome outcome, long startedNanos) {
        if (outcome instanceof Outcome.Counted counted) {
            countLatency.record(System.nanoTime() - startedNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            count("counted");
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", "success");
            body.put("load", counted.ack().count());
            body.put("key", counted.ack().key());
            body.put("id", counted.ack().id());
            JsonResponses.json(ctx, 200, body);
        } else if (outcome instanceof Outcome.Accepted accepted) {
            count(accepted.written() == null ? "accepted" : "durable");
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", "accepted");
            body.put("key", accepted.event().key());
            body.put("id", accepted.event().id());
            if (accepted.written() != null) {
                body.put("partition", accepted.written().partition());
                body.put("offset", accepted.written().offset());
            }
            JsonResponses.json(ctx, 202, body);
        } else if (outcome instanceof Outcome.Unavailable unavailable) {
            count("unavailable");
            LOG.debug("Event {} not accepted: {}", unavailable.event().id(), unavailable.reason());
            JsonResponses.problem(ctx, Problem.of(503, "kafka-unavailable", "Event not accepted",
                            "Kafka did not accept the event; it was not recorded. Retry later."),
                    Map.of("Retry-After", "1"));
        }
    }

    private void count(String outcome) {
        registry.counter("surge.events", "outcome", outcome).increment();
    }
}
