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
 * <p>Bounded: {@code workers} threads, each with one request in flight, for as long as the scenario runs; loopback
 * only.
 */
final class RecordingClient implements AutoCloseable {
    static final int MAX_ATTEMPTS = 8;
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
            long event = events.incrementAndGet();
            String key = keys.get(random.nextInt(keys.size()));
            String idempotencyKey = event % 4 == 0 ? null : runId + "-e" + event;
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
