package dev.surge.stack.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Posts events to the ingest-api instances at a fixed rate and records every attempt ({@link Attempt}): the event,
 * its key and {@code Idempotency-Key}, where it went and how it ended. Three events in four carry an
 * {@code Idempotency-Key} and are retried (no answer, 503, 504), through the other instance, until one attempt is
 * answered with 2xx or a 4xx (at most {@link #MAX_ATTEMPTS}); the fourth is plain and sent once, as a client without
 * retries would.
 *
 * <p>One send in {@value #BATCH_EVERY} is instead a {@code POST /simulate/batch} of {@value #BATCH_EVENTS} events over
 * random keys, each event with its own idempotency key. Each event's result is recorded as if it had been posted
 * alone ({@code success} as 200, {@code accepted} as 202, {@code unavailable} as 503, {@code unconfirmed} as 504;
 * the request's own status when it was refused whole; no answer for all when none came), and the events not
 * accepted are sent again, as a smaller batch, the way the README tells batch clients to retry.
 *
 * <p>Bounded: {@code workers} threads, each with one request in flight, for as long as the scenario runs; loopback
 * only.
 */
final class RecordingClient implements AutoCloseable {
    static final int MAX_ATTEMPTS = 8;
    static final int BATCH_EVERY = 8;
    static final int BATCH_EVENTS = 4;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Integer> apiPorts;
    private final List<String> keys;
    private final String runId;
    private final int workers;
    private final long intervalNanosPerWorker;
    private final LongSupplier clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).build();
    private final ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
    private final AtomicLong events = new AtomicLong();
    private ExecutorService pool;
    private volatile boolean running;

    /**
     * @param ratePerSecond events per second over all workers (retries come on top)
     * @param clock         milliseconds since the run began
     */
    RecordingClient(List<Integer> apiPorts, List<String> keys, String runId, int workers, int ratePerSecond,
                    LongSupplier clock) {
        this.apiPorts = List.copyOf(apiPorts);
        this.keys = List.copyOf(keys);
        this.runId = runId;
        this.workers = workers;
        this.intervalNanosPerWorker = TimeUnit.SECONDS.toNanos(1) * workers / ratePerSecond;
        this.clock = clock;
    }

    /** Starts posting; {@link #stop()} ends it. Can be started again after a stop. */
    synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        pool = Executors.newFixedThreadPool(workers, runnable -> {
            Thread thread = new Thread(runnable, "recording-client");
            thread.setDaemon(true);
            return thread;
        });
        for (int w = 0; w < workers; w++) {
            int worker = w;
            pool.execute(() -> work(worker));
        }
    }

    /** Stops sending new events and waits until every event in flight (retries included) has ended. */
    synchronized void stop() throws InterruptedException {
        if (!running) {
            return;
        }
        running = false;
        pool.shutdown();
        if (!pool.awaitTermination(MAX_ATTEMPTS * (REQUEST_TIMEOUT.toSeconds() + 2), TimeUnit.SECONDS)) {
            throw new IllegalStateException("the recording client's requests did not end");
        }
    }

    /** Every attempt so far. */
    List<Attempt> attempts() {
        return new ArrayList<>(attempts);
    }

    private void work(int worker) {
        long next = System.nanoTime();
        while (running) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait); // pacing, not waiting for a condition
                } catch (InterruptedException e) {
                    return;
                }
            }
            next = Math.max(next + intervalNanosPerWorker, System.nanoTime() - intervalNanosPerWorker);
            ThreadLocalRandom random = ThreadLocalRandom.current();
            if (random.nextInt(BATCH_EVERY) == 0) {
                List<Long> batch = new ArrayList<>();
                List<String> batchKeys = new ArrayList<>();
                for (int i = 0; i < BATCH_EVENTS; i++) {
                    batch.add(events.incrementAndGet());
                    batchKeys.add(keys.get(random.nextInt(keys.size())));
                }
                sendBatch(batch, batchKeys, worker + random.nextInt(apiPorts.size()));
                continue;
            }
            long event = events.incrementAndGet();
            String key = keys.get(random.nextInt(keys.size()));
            String idempotencyKey = event % 4 == 0 ? null : idempotencyKeyOf(event);
            send(event, key, idempotencyKey, worker + random.nextInt(apiPorts.size()));
        }
    }

    /** The attempts of one event: the first to {@code portIndex}, retries alternating between the instances. */
    private void send(long event, String key, String idempotencyKey, int portIndex) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            int port = apiPorts.get((portIndex + attempt - 1) % apiPorts.size());
            Attempt result = post(event, key, idempotencyKey, attempt, port);
            attempts.add(result);
            if (idempotencyKey == null || result.accepted() || (result.status() >= 400 && result.status() < 500)) {
                return;
            }
            long backoffMillis = result.retryAfter() != null ? retryAfterMillis(result.retryAfter()) : 500;
            try {
                TimeUnit.MILLISECONDS.sleep(Math.min(backoffMillis, 2_000)); // the client's back-off
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A batch's attempts: all its events, then only those not yet accepted, alternating between the instances. */
    private void sendBatch(List<Long> batch, List<String> batchKeys, int portIndex) {
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            pending.add(i);
        }
        for (int attempt = 1; attempt <= MAX_ATTEMPTS && !pending.isEmpty(); attempt++) {
            int port = apiPorts.get((portIndex + attempt - 1) % apiPorts.size());
            List<Attempt> results = postBatch(pending.stream().map(batch::get).toList(),
                    pending.stream().map(batchKeys::get).toList(), attempt, port);
            attempts.addAll(results);
            List<Integer> next = new ArrayList<>();
            String retryAfter = null;
            for (int i = 0; i < results.size(); i++) {
                Attempt result = results.get(i);
                if (!result.accepted() && !(result.status() >= 400 && result.status() < 500)) {
                    next.add(pending.get(i));
                    retryAfter = result.retryAfter() != null ? result.retryAfter() : retryAfter;
                }
            }
            pending = next;
            if (!pending.isEmpty()) {
                long backoffMillis = retryAfter != null ? retryAfterMillis(retryAfter) : 500;
                try {
                    TimeUnit.MILLISECONDS.sleep(Math.min(backoffMillis, 2_000)); // the client's back-off
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private List<Attempt> postBatch(List<Long> batch, List<String> batchKeys, int attempt, int port) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < batch.size(); i++) {
            body.append(i == 0 ? "" : ",").append("{\"key\":\"").append(batchKeys.get(i))
                    .append("\",\"idempotencyKey\":\"").append(idempotencyKeyOf(batch.get(i))).append("\"}");
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/simulate/batch"))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.append(']').toString()))
                .build();
        long sentAt = clock.getAsLong();
        List<Attempt> results = new ArrayList<>(batch.size());
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            long answeredAt = clock.getAsLong();
            String contentType = response.headers().firstValue("Content-Type").orElse("");
            String retryAfter = response.headers().firstValue("Retry-After").orElse(null);
            int status = response.statusCode();
            JsonNode each = status == 200 || status == 202 || status == 207
                    ? JSON.readTree(response.body()).path("results") : null;
            for (int i = 0; i < batch.size(); i++) {
                JsonNode result = each == null ? null : each.path(i);
                int asAlone = result == null ? status : switch (result.path("status").asText()) {
                    case "success" -> 200;
                    case "accepted" -> 202;
                    case "unavailable" -> 503;
                    case "unconfirmed" -> 504;
                    default -> throw new IllegalStateException("unknown batch result " + result);
                };
                results.add(new Attempt(batch.get(i), batchKeys.get(i), idempotencyKeyOf(batch.get(i)), attempt, port,
                        sentAt, answeredAt, asAlone, asAlone == 200 ? result.path("load").asLong() : null,
                        result == null ? null : result.path("id").asText(null),
                        asAlone == 200 && result.path("duplicate").asBoolean(false), retryAfter,
                        // an event's own result in a 207 says as exactly as a problem would what became of it
                        each == null ? contentType.startsWith("application/problem+json") : status == 207, null));
            }
        } catch (IOException e) {
            for (int i = 0; i < batch.size(); i++) {
                results.add(new Attempt(batch.get(i), batchKeys.get(i), idempotencyKeyOf(batch.get(i)), attempt, port,
                        sentAt, clock.getAsLong(), Attempt.NO_ANSWER, null, null, false, null, false,
                        e.getClass().getSimpleName()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            for (int i = 0; i < batch.size(); i++) {
                results.add(new Attempt(batch.get(i), batchKeys.get(i), idempotencyKeyOf(batch.get(i)), attempt, port,
                        sentAt, clock.getAsLong(), Attempt.NO_ANSWER, null, null, false, null, false, "interrupted"));
            }
        }
        return results;
    }

    private String idempotencyKeyOf(long event) {
        return runId + "-e" + event;
    }

    private Attempt post(long event, String key, String idempotencyKey, int attempt, int port) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/simulate"))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\"}"));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        long sentAt = clock.getAsLong();
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            long answeredAt = clock.getAsLong();
            String contentType = response.headers().firstValue("Content-Type").orElse("");
            String retryAfter = response.headers().firstValue("Retry-After").orElse(null);
            Long load = null;
            String eventId = null;
            boolean duplicate = false;
            if (response.statusCode() == 200 || response.statusCode() == 202) {
                JsonNode body = JSON.readTree(response.body());
                eventId = body.path("id").asText(null);
                if (response.statusCode() == 200) {
                    load = body.path("load").asLong();
                    duplicate = body.path("duplicate").asBoolean(false);
                }
            }
            return new Attempt(event, key, idempotencyKey, attempt, port, sentAt, answeredAt, response.statusCode(),
                    load, eventId, duplicate, retryAfter, contentType.startsWith("application/problem+json"), null);
        } catch (IOException e) {
            return new Attempt(event, key, idempotencyKey, attempt, port, sentAt, clock.getAsLong(),
                    Attempt.NO_ANSWER, null, null, false, null, false, e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Attempt(event, key, idempotencyKey, attempt, port, sentAt, clock.getAsLong(),
                    Attempt.NO_ANSWER, null, null, false, null, false, "interrupted");
        }
    }

    private static long retryAfterMillis(String retryAfter) {
        try {
            return Long.parseLong(retryAfter.trim()) * 1_000;
        } catch (NumberFormatException e) {
            return 1_000;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
