package dev.surge.ingest.simulate;

import dev.surge.common.event.CountAck;
import dev.surge.common.event.LoadEvent;
import dev.surge.common.http.JsonResponses;
import dev.surge.common.http.Problem;
import dev.surge.common.http.ProblemException;
import dev.surge.ingest.admission.AdmittedHandler;
import dev.surge.ingest.admission.BoundedBody;
import dev.surge.ingest.admission.Client;
import dev.surge.ingest.admission.IdempotencyKey;
import dev.surge.ingest.metrics.EventOutcomes;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /simulate[?ack=count|durable]}: validates, hands the event to {@link Ingestion} and answers when the
 * outcome is known. No request thread waits: the answer is written on {@code responseExecutor} when the count (or
 * Kafka's acknowledgement, or a timeout) arrives.
 *
 * <p>Runs behind {@link dev.surge.ingest.admission.AdmissionControl}: the client is known and within its quotas. An
 * {@code Idempotency-Key} is scoped to the client; counter-streams answers a retry with the first attempt's count.
 */
public final class SimulateHandler implements AdmittedHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SimulateHandler.class);

    private final Ingestion ingestion;
    private final Executor responseExecutor;
    private final Clock clock;
    private final int maxBodyBytes;
    private final EventOutcomes outcomes;
    private final Timer countLatency;

    public SimulateHandler(Ingestion ingestion, Executor responseExecutor, Clock clock, int maxBodyBytes,
                           MeterRegistry registry) {
        this.ingestion = ingestion;
        this.responseExecutor = responseExecutor;
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
        this.outcomes = new EventOutcomes(registry);
        this.countLatency = Timer.builder("surge.ack.latency")
                .description("From request received to running count known (200 answers)")
                .publishPercentileHistogram()
                .register(registry);
    }

    private record Valid(AckMode mode, LoadEvent event) {
    }

    @Override
    public CompletableFuture<Void> handle(Context ctx, Client client) {
        Valid request = validate(ctx, client);
        long started = System.nanoTime();
        return ingestion.submit(request.event(), request.mode())
                .thenAcceptAsync(outcome -> answer(ctx, client, outcome, started), responseExecutor);
    }

    private Valid validate(Context ctx, Client client) {
        try {
            AckMode mode = AckMode.fromQuery(ctx.queryParam("ack"));
            String idempotencyKey = IdempotencyKey.of(ctx).map(client::scope).orElse(null);
            SimulateRequest request = SimulateRequest.parse(ctx.header("Content-Type"),
                    BoundedBody.read(ctx, maxBodyBytes));
            return new Valid(mode, new LoadEvent(UUID.randomUUID().toString(), request.key(), clock.millis(),
                    client.id(), idempotencyKey));
        } catch (ProblemException e) {
            outcomes.count(EventOutcomes.INVALID, client.metricTag());
            throw e;
        }
    }

    private void answer(Context ctx, Client client, Outcome outcome, long startedNanos) {
        if (outcome instanceof Outcome.Counted counted) {
            CountAck ack = counted.ack();
            countLatency.record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
            outcomes.count(ack.duplicate() ? EventOutcomes.DUPLICATE : EventOutcomes.COUNTED, client.metricTag());
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", "success");
            body.put("load", ack.count());
            body.put("key", ack.key());
            body.put("id", ack.id());
            if (ack.duplicate()) {
                body.put("duplicate", true);
            }
            JsonResponses.json(ctx, 200, body);
        } else if (outcome instanceof Outcome.Accepted accepted) {
            outcomes.count(accepted.written() == null ? EventOutcomes.ACCEPTED : EventOutcomes.DURABLE,
                    client.metricTag());
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
            outcomes.count(EventOutcomes.UNAVAILABLE, client.metricTag());
            LOG.debug("Event {} not accepted: {}", unavailable.event().id(), unavailable.reason());
            JsonResponses.problem(ctx, Problem.of(503, "kafka-unavailable", "Event not accepted",
                            "Kafka is not taking writes; this event was not written and will not be counted. "
                                    + "Retry later."),
                    Map.of("Retry-After", seconds(unavailable.retryAfter())));
        } else if (outcome instanceof Outcome.Unconfirmed unconfirmed) {
            outcomes.count(EventOutcomes.UNCONFIRMED, client.metricTag());
            LOG.debug("Event {} not confirmed: {}", unconfirmed.event().id(), unconfirmed.reason());
            JsonResponses.problem(ctx, Problem.of(504, "kafka-unconfirmed", "Write not confirmed",
                            "Kafka did not confirm the write in time: the event may or may not be counted. Retry "
                                    + "with the same " + IdempotencyKey.HEADER + " (it is counted once either way)."),
                    Map.of("Retry-After", seconds(unconfirmed.retryAfter())));
        }
    }

    private static String seconds(java.time.Duration retryAfter) {
        return Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000));
    }
}
