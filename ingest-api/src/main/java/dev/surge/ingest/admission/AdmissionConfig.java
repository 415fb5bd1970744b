package dev.surge.ingest.admission;

import dev.surge.common.config.SettingException;
import dev.surge.common.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What ingest-api lets in, typed and validated once at start.
 *
 * @param rateLimit        events per second per client, a batch spending one per event ({@code SURGE_RATE_LIMIT}); 0
 *                         turns the limit off
 * @param globalRateLimit  events per second for this instance, all clients together; 0 turns it off
 * @param rateLimitClients how many clients' limiters are kept; beyond it the least recently seen is forgotten
 * @param maxBodyBytes     the largest request body read; a larger one is refused with 413
 * @param bodyTimeout      how long a client may take to send its request body, from the end of its headers; past
 *                         it 408 (see {@link dev.surge.common.http.BufferedBodyHandler})
 * @param maxInFlight      requests admitted and not yet answered, at most ({@code SURGE_MAX_IN_FLIGHT}); past it 503
 *                         at once. With {@code adaptiveLimit} it is the ceiling of the adaptive limit
 * @param minInFlight      the floor of the adaptive limit ({@code SURGE_MIN_IN_FLIGHT}); unused when the limit is
 *                         fixed
 * @param adaptiveLimit    whether the in-flight limit follows the count path's latency between {@code minInFlight}
 *                         and {@code maxInFlight} ({@code SURGE_ADAPTIVE_LIMIT}, default true) or stays at
 *                         {@code maxInFlight}
 * @param apiKeys          the keys clients must present, or {@link ApiKeys#none()}
 * @param requestThreads   Jetty's request threads, at most ({@code SURGE_HTTP_THREADS}; see
 *                         {@link #defaultRequestThreads()})
 * @param batches          the bounds of {@code POST /simulate/batch} and of events in flight
 */
public record AdmissionConfig(int rateLimit, int globalRateLimit, int rateLimitClients, int maxBodyBytes,
                              Duration bodyTimeout, int maxInFlight, int minInFlight, boolean adaptiveLimit,
                              ApiKeys apiKeys, int requestThreads, BatchLimits batches) {
    public static final int DEFAULT_RATE_LIMIT_CLIENTS = 10_000;
    public static final int DEFAULT_MAX_BODY_BYTES = 8192;
    public static final int DEFAULT_MAX_IN_FLIGHT = 1024;
    /**
     * The adaptive limit's floor. Below what the count path needs in flight (Little's law: rate x latency of a
     * count), the limit itself caps goodput, and on a machine shared with the load generator latency rises with CPU
     * contention as well as with queueing. Measured here: fed every sample, Gradient2 followed that down to 16-50 and
     * counted 240 events/s where the fixed bound had counted 1,559/s; with a floor of 128, clients honouring
     * Retry-After got 445 counts/s at 4,000 connections where the fixed bound of 1,024 gave 803/s (counts took
     * ~250 ms there). 512, not 256 (the floor until 2026-12-02): the count path answers in bursts as each commit
     * completes, so its in-flight requests swing by a factor of 2-3 within a quarter of a second. In an open-model
     * spike at half of capacity (1,430 events/s, 1,024 connections opened at its start), the first slow seconds
     * lowered the limit from 512 to about 350, near the in-flight peaks, and 1,309 requests were refused over seconds
     * 3-17; with this floor and {@link ConcurrencyLimiter#growth}, 165, all in the third second. The overload bench
     * counted more at every level past capacity with it (BENCHMARKS.md, "Admission at half of capacity").
     */
    public static final int DEFAULT_MIN_IN_FLIGHT = 512;
    /**
     * 8 KiB (the default body limit) in 10 s is 820 B/s. A client slower than that holds only its connection and what
     * it sent meanwhile, never a request thread (see {@link dev.surge.common.http.BufferedBodyHandler}).
     */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(10);

    /** The fewest request threads Jetty starts with: its acceptor and selector take theirs from the same pool. */
    public static final int MIN_REQUEST_THREADS = 8;

    /** No rate limits, no keys; the body and in-flight bounds always apply. */
    public static final AdmissionConfig DEFAULTS = new AdmissionConfig(0, 0, DEFAULT_RATE_LIMIT_CLIENTS,
            DEFAULT_MAX_BODY_BYTES, DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MIN_IN_FLIGHT, true,
            ApiKeys.none(), defaultRequestThreads(), BatchLimits.DEFAULTS);

    /**
     * 4 per core (8 on 2 cores), at least {@link #MIN_REQUEST_THREADS}. Admitted requests wait for their count
     * without a thread (the route answers through a future), bodies are read without one, and a Kafka write holds its
     * thread at most {@code KafkaEventPublisher.MAX_BLOCK} (100 ms), so request threads only parse, refuse and hand
     * over. More threads cost the count path: the kernel shares CPU time by thread, and under overload every request
     * thread is busy refusing, so hundreds of them (Javalin's default pool, up to 250) took the cores the producer,
     * the broker and counter-streams needed to count. Measured here with clients that retry a 503 at once
     * (bench/overload-acceptance.sh, 4,000 connections, warm): 388-542 counts/s with the default pool, 1,053-2,271/s
     * with 16 or 32 threads, 3,141 and 3,491/s with 8. Requests beyond the threads wait in Jetty's queue, at most one
     * per connection.
     */
    public static int defaultRequestThreads() {
        return Math.max(MIN_REQUEST_THREADS, 4 * Runtime.getRuntime().availableProcessors());
    }

    public AdmissionConfig {
        atLeast("SURGE_RATE_LIMIT", rateLimit, 0);
        atLeast("SURGE_GLOBAL_RATE_LIMIT", globalRateLimit, 0);
        atLeast("SURGE_RATE_LIMIT_CLIENTS", rateLimitClients, 1);
        atLeast("SURGE_MAX_BODY_BYTES", maxBodyBytes, 1);
        atLeast("SURGE_MAX_IN_FLIGHT", maxInFlight, 1);
        atLeast("SURGE_MIN_IN_FLIGHT", minInFlight, 1);
        if (adaptiveLimit && minInFlight > maxInFlight) {
            throw new SettingException("SURGE_MIN_IN_FLIGHT should be at most SURGE_MAX_IN_FLIGHT (" + maxInFlight
                    + ") but was " + minInFlight);
        }
        Objects.requireNonNull(bodyTimeout, "bodyTimeout");
        if (bodyTimeout.isNegative() || bodyTimeout.isZero()) {
            throw new SettingException("SURGE_BODY_TIMEOUT should be greater than 0 but was " + bodyTimeout);
        }
        Objects.requireNonNull(apiKeys, "apiKeys");
        atLeast("SURGE_HTTP_THREADS", requestThreads, MIN_REQUEST_THREADS);
        Objects.requireNonNull(batches, "batches");
    }

    /**
     * @param maxEvents         events in one batch, at most ({@code SURGE_MAX_BATCH_EVENTS}); more is 413
     * @param maxBytes          the largest batch body read ({@code SURGE_MAX_BATCH_BYTES}); larger is 413
     * @param maxEventsInFlight events admitted and not yet answered, single and batched together, at most
     *                          ({@code SURGE_MAX_EVENTS_IN_FLIGHT}): a request whose events do not fit gets 503 with
     *                          {@code Retry-After}. It bounds the memory that waiting events hold; the in-flight
     *                          request limit ({@code SURGE_MAX_IN_FLIGHT}) still applies to every request
     * @param maxHeldBodyBytes  request body bytes all requests together may hold, from the first byte read until the
     *                          answer is written ({@code SURGE_MAX_HELD_BODY_BYTES}): a body that would go over it is
     *                          refused with 503 and {@code Retry-After}. Without it, 1 MiB batches on a few hundred
     *                          connections could fill the heap
     */
    public record BatchLimits(int maxEvents, int maxBytes, int maxEventsInFlight, long maxHeldBodyBytes) {
        public static final int DEFAULT_MAX_EVENTS = 1_000;
        public static final int DEFAULT_MAX_BYTES = 1 << 20;
        public static final int DEFAULT_MAX_EVENTS_IN_FLIGHT = 65_536;
        /** A quarter of the 512 MB heap {@code ./surge up} gives ingest-api. */
        public static final long DEFAULT_MAX_HELD_BODY_BYTES = 128L << 20;
        public static final BatchLimits DEFAULTS = new BatchLimits(DEFAULT_MAX_EVENTS, DEFAULT_MAX_BYTES,
                DEFAULT_MAX_EVENTS_IN_FLIGHT, DEFAULT_MAX_HELD_BODY_BYTES);

        public BatchLimits {
            atLeast("SURGE_MAX_BATCH_EVENTS", maxEvents, 1);
            atLeast("SURGE_MAX_BATCH_BYTES", maxBytes, 64);
            if (maxEventsInFlight < maxEvents) {
                throw new SettingException("SURGE_MAX_EVENTS_IN_FLIGHT should be at least SURGE_MAX_BATCH_EVENTS ("
                        + maxEvents + ") but was " + maxEventsInFlight + ": a full batch could never be admitted");
            }
            if (maxHeldBodyBytes <= maxBytes) {
                throw new SettingException("SURGE_MAX_HELD_BODY_BYTES should be more than SURGE_MAX_BATCH_BYTES ("
                        + maxBytes + ") but was " + maxHeldBodyBytes + ": a full batch could never be read");
            }
        }

        static BatchLimits from(Settings settings) {
            int maxEvents = settings.integer("max.batch.events", DEFAULT_MAX_EVENTS, 1, 100_000);
            return new BatchLimits(maxEvents,
                    settings.integer("max.batch.bytes", DEFAULT_MAX_BYTES, 64, 64 * 1024 * 1024),
                    settings.integer("max.events.in.flight", Math.max(DEFAULT_MAX_EVENTS_IN_FLIGHT, maxEvents),
                            1, 10_000_000),
                    settings.integer("max.held.body.bytes", (int) DEFAULT_MAX_HELD_BODY_BYTES, 1, Integer.MAX_VALUE));
        }
    }

    public static AdmissionConfig from(Settings settings) {
        String keysFile = settings.string("api.keys.file", null);
        int maxInFlight = settings.integer("max.in.flight", DEFAULT_MAX_IN_FLIGHT, 1, 1_000_000);
        return new AdmissionConfig(
                settings.integer("rate.limit", 0, 0, 1_000_000),
                settings.integer("global.rate.limit", 0, 0, 10_000_000),
                settings.integer("rate.limit.clients", DEFAULT_RATE_LIMIT_CLIENTS, 100, 10_000_000),
                settings.integer("max.body.bytes", DEFAULT_MAX_BODY_BYTES, 64, 16 * 1024 * 1024),
                settings.duration("body.timeout", DEFAULT_BODY_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(5)),
                maxInFlight,
                settings.integer("min.in.flight", Math.min(DEFAULT_MIN_IN_FLIGHT, maxInFlight), 1, 1_000_000),
                settings.bool("adaptive.limit", true),
                keysFile == null ? ApiKeys.none() : ApiKeys.load(Path.of(keysFile)),
                settings.integer("http.threads", defaultRequestThreads(), MIN_REQUEST_THREADS, 10_000),
                BatchLimits.from(settings));
    }

    public AdmissionConfig withRateLimit(int perClient, int perInstance) {
        return new AdmissionConfig(perClient, perInstance, rateLimitClients, maxBodyBytes, bodyTimeout, maxInFlight,
                minInFlight, adaptiveLimit, apiKeys, requestThreads, batches);
    }

    /** A fixed in-flight bound of {@code max}. */
    public AdmissionConfig withFixedInFlight(int max) {
        return new AdmissionConfig(rateLimit, globalRateLimit, rateLimitClients, maxBodyBytes, bodyTimeout, max,
                minInFlight, false, apiKeys, requestThreads, batches);
    }

    /** An adaptive in-flight limit between {@code min} and {@code max}. */
    public AdmissionConfig withAdaptiveInFlight(int min, int max) {
        return new AdmissionConfig(rateLimit, globalRateLimit, rateLimitClients, maxBodyBytes, bodyTimeout, max, min,
                true, apiKeys, requestThreads, batches);
    }

    public AdmissionConfig withMaxBodyBytes(int max) {
        return new AdmissionConfig(rateLimit, globalRateLimit, rateLimitClients, max, bodyTimeout, maxInFlight,
                minInFlight, adaptiveLimit, apiKeys, requestThreads, batches);
    }

    public AdmissionConfig withBatchLimits(BatchLimits limits) {
        return new AdmissionConfig(rateLimit, globalRateLimit, rateLimitClients, maxBodyBytes, bodyTimeout, maxInFlight,
                minInFlight, adaptiveLimit, apiKeys, requestThreads, limits);
    }

    public AdmissionConfig withApiKeys(ApiKeys keys) {
        return new AdmissionConfig(rateLimit, globalRateLimit, rateLimitClients, maxBodyBytes, bodyTimeout, maxInFlight,
                minInFlight, adaptiveLimit, keys, requestThreads, batches);
    }

    private static void atLeast(String variable, int value, int min) {
        if (value < min) {
            throw new SettingException(variable + " should be at least " + min + " but was " + value);
        }
    }
}
