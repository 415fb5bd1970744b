package dev.surge.ingest.simulate;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.surge.common.event.EventSlice;
import dev.surge.common.http.JsonResponses;
import dev.surge.common.http.Problem;
import dev.surge.common.http.ProblemException;
import dev.surge.ingest.admission.BoundedBody;
import dev.surge.ingest.admission.Client;
import dev.surge.ingest.admission.CountingHandler;
import dev.surge.ingest.admission.EventAdmission;
import dev.surge.ingest.metrics.EventOutcomes;
import io.javalin.http.Context;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * {@code POST /simulate/batch[?ack=count|durable]}: many events in one request, each counted exactly as a
 * {@code POST /simulate} would be (its own running count, its own idempotency key), answered with one result per
 * event in the request's order:
 * <ul>
 *   <li>200 when every event was counted: {@code {"results":[{"status":"success","load":N,"key":K,"id":ID},...]}}
 *       (a retried idempotency key: the first attempt's count and {@code "duplicate":true});</li>
 *   <li>202 when every event was written and some counts did not come within the ack timeout (or the client asked
 *       for {@code ack=durable}): those events are {@code "accepted"} (with {@code partition} and {@code offset} for
 *       {@code ack=durable});</li>
 *   <li>207 when Kafka took some slices of the batch and not others: the events not written are
 *       {@code "unavailable"} (not counted) or {@code "unconfirmed"} (may be counted), with {@code Retry-After};
 *       the client sends only those again (with their idempotency keys, safely);</li>
 *   <li>503 or 504 problem+json, with {@code Retry-After}, when Kafka took none of it.</li>
 * </ul>
 * Bad input changes nothing: an invalid element refuses the whole batch (400, every bad index listed), too many
 * events or bytes is 413, and the events are admitted (rate limits, events in flight) all together or not at all.
 * An event's id is the batch's id and its index: {@code <batch>:<index>}.
 */
public final class BatchHandler implements CountingHandler {
    private final BatchIngestion ingestion;
    private final Executor responseExecutor;
    private final Clock clock;
    private final int maxEvents;
    private final int maxBytes;
    private final EventOutcomes outcomes;
    private final DistributionSummary batchSizes;

    public BatchHandler(BatchIngestion ingestion, Executor responseExecutor, Clock clock, int maxEvents,
                        int maxBytes, MeterRegistry registry) {
        this.ingestion = ingestion;
        this.responseExecutor = responseExecutor;
        this.clock = clock;
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
        this.outcomes = new EventOutcomes(registry);
        this.batchSizes = DistributionSummary.builder("surge.batch.events")
                .description("Events per admitted POST /simulate/batch")
                .baseUnit("events")
                .register(registry);
    }

    @Override
    public CompletableFuture<Void> handle(Context ctx, Client client, EventAdmission admission) {
        EventBatch batch;
        AckMode mode;
        try {
            mode = AckMode.fromQuery(ctx.queryParam("ack"));
            BatchRequest request = BatchRequest.parse(ctx.header("Content-Type"), BoundedBody.read(ctx, maxBytes),
                    maxEvents);
            List<EventSlice.Item> events = new ArrayList<>(request.events().size());
            for (BatchRequest.Event event : request.events()) {
                events.add(new EventSlice.Item(event.key(),
                        event.idempotencyKey() == null ? null : client.scope(event.idempotencyKey())));
            }
            batch = new EventBatch(UUID.randomUUID().toString(), clock.millis(), client.id(), events);
        } catch (ProblemException e) {
            outcomes.count(EventOutcomes.INVALID, client.metricTag());
            throw e;
        }
        admission.admit(batch.size());
        batchSizes.record(batch.size());
        return ingestion.submit(batch, mode)
                .thenAcceptAsync(outcome -> answer(ctx, client, mode, outcome), responseExecutor);
    }

    private void answer(Context ctx, Client client, AckMode mode, BatchOutcome outcome) {
        String tag = client.metricTag();
        outcomes.count(EventOutcomes.COUNTED, tag, outcome.count(BatchOutcome.Status.COUNTED));
        outcomes.count(EventOutcomes.DUPLICATE, tag, outcome.count(BatchOutcome.Status.DUPLICATE));
        outcomes.count(EventOutcomes.UNAVAILABLE, tag, outcome.count(BatchOutcome.Status.UNAVAILABLE));
        outcomes.count(EventOutcomes.UNCONFIRMED, tag, outcome.count(BatchOutcome.Status.UNCONFIRMED));
        outcomes.count(mode == AckMode.DURABLE ? EventOutcomes.DURABLE : EventOutcomes.ACCEPTED, tag,
                outcome.count(BatchOutcome.Status.ACCEPTED));
        if (outcome.noneWritten()) {
            boolean unconfirmed = outcome.count(BatchOutcome.Status.UNCONFIRMED) > 0;
            Problem problem = unconfirmed
                    ? Problem.of(504, "kafka-unconfirmed", "Writes not confirmed", "Kafka did not confirm the "
                    + "batch's writes in time: its events may or may not be counted. Send it again with the same "
                    + "idempotency keys (each event is counted once either way).")
                    : Problem.of(503, "kafka-unavailable", "Batch not accepted", "Kafka is not taking writes; no "
                    + "event of this batch was written, none will be counted. Retry later.");
            JsonResponses.problem(ctx, problem, Map.of("Retry-After", seconds(outcome)));
            return;
        }
        int status = outcome.allCounted() ? 200 : outcome.allWritten() ? 202 : 207;
        if (status == 207) {
            ctx.header("Retry-After", seconds(outcome));
        }
        ctx.status(status).contentType("application/json").result(body(outcome));
    }

    /**
     * The 200/202/207 body, written straight into a string builder: Jackson's generator was the largest single cost
     * of ingest-api under batch load (BENCHMARKS.md, "Batches: where the time goes"). Every string in it is a status
     * word, a batch id (a UUID) or a load key (checked against {@code LoadKey}'s rules: letters, digits and
     * {@code . _ : -}), none of which JSON escapes; a key that somehow needed escaping is escaped all the same.
     */
    static byte[] body(BatchOutcome outcome) {
        List<EventSlice.Item> events = outcome.batch().events();
        StringBuilder escapedId = new StringBuilder();
        string(escapedId, outcome.batch().id()); // once per batch, not per event
        String batchId = escapedId.toString();
        int size = 16;
        for (EventSlice.Item event : events) { // sized once: growing it was 13 % of ingest-api's CPU samples
            size += 96 + batchId.length() + event.key().length();
        }
        StringBuilder json = new StringBuilder(size);
        json.append("{\"results\":[");
        for (int i = 0; i < events.size(); i++) {
            BatchOutcome.Result result = outcome.results().get(i);
            json.append(i == 0 ? "{\"status\":\"" : ",{\"status\":\"").append(switch (result.status()) {
                case COUNTED, DUPLICATE -> "success";
                case ACCEPTED -> "accepted";
                case UNAVAILABLE -> "unavailable";
                case UNCONFIRMED -> "unconfirmed";
            }).append('"');
            if (result.count() > 0) {
                json.append(",\"load\":").append(result.count());
            }
            json.append(",\"key\":\"");
            string(json, events.get(i).key());
            json.append("\",\"id\":\"").append(batchId).append(':').append(i).append('"');
            if (result.status() == BatchOutcome.Status.DUPLICATE) {
                json.append(",\"duplicate\":true");
            }
            if (result.written() != null) {
                json.append(",\"partition\":").append(result.written().partition())
                        .append(",\"offset\":").append(result.written().offset());
            }
            json.append('}');
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code text} as the inside of a JSON string. */
    private static void string(StringBuilder json, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7F) {
                json.append(JsonStringEncoder.getInstance().quoteAsString(text));
                return;
            }
        }
        json.append(text);
    }

    private static String seconds(BatchOutcome outcome) {
        long millis = outcome.retryAfter() == null ? 1_000 : outcome.retryAfter().toMillis();
        return Long.toString(Math.max(1, (millis + 999) / 1000));
    }
}
