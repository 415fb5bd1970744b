package dev.surge.ingest.admission;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.WindowedLimit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * How many {@code POST /simulate} requests may be in flight at once, and who gets them.
 *
 * <p>The limit is Netflix concurrency-limits' {@link Gradient2Limit}, fed once a second with the average latency of
 * the requests answered in that second ({@link WindowedLimit}): it compares that latency with its long-run average,
 * lowers the limit when latency rises (requests are queueing somewhere on the count path) and raises it while latency
 * holds and the limit is used, between {@code SURGE_MIN_IN_FLIGHT} and {@code SURGE_MAX_IN_FLIGHT}. Fed every sample
 * instead, it followed the noise of a shared machine down to its floor within seconds.
 * With {@code SURGE_ADAPTIVE_LIMIT=false} the limit is {@code SURGE_MAX_IN_FLIGHT}, fixed. A request that is not
 * admitted is refused at once, never queued: a queued request only gets older, and its client has usually given up
 * or retried by the time it would run.
 *
 * <p>Fairness: a client's share is {@code limit / clients with requests in flight} (this one included, at least one).
 * A client under its share is always admitted, even when the limit is reached; a client at or over its share is
 * admitted only while the total is under the limit. So a client flooding from many connections uses whatever the
 * others leave idle, but cannot keep a newcomer out: in-flight requests can exceed the limit by at most the shares of
 * the clients that came while it was reached. Clients are tracked only while they have a request in flight.
 *
 * <p>{@link #close()} stops handing out permits (for draining); {@link #awaitIdle} then waits for the last one back.
 */
public final class ConcurrencyLimiter {
    /** Where an adaptive limit starts (within its bounds): the default floor; it rises from there while latency holds. */
    static final int INITIAL_ADAPTIVE_LIMIT = AdmissionConfig.DEFAULT_MIN_IN_FLIGHT;
    /**
     * Gradient2's long-run latency average, in windows: the limit is updated once per window of at least one second
     * and ten samples ({@link WindowedLimit}'s defaults), so this is about a minute.
     */
    static final int LONG_WINDOWS = 60;

    /**
     * What Gradient2 adds to the limit in a window ({@code newLimit = limit x gradient + growth}, then smoothed by
     * 0.2): the square root of the limit, at least 4. Gradient2's default is a constant 4, made for limits of tens:
     * at Surge's hundreds, a limit lowered by a few slow seconds climbed back by less than one permit a second (by
     * about 4 at a limit of 400 now), and the count path's in-flight requests, which swing by a factor of 2-3 within a
     * quarter of a second as commits complete, met it at half of capacity (BENCHMARKS.md, "Admission at half of
     * capacity").
     */
    static int growth(int limit) {
        return Math.max(4, (int) Math.sqrt(limit));
    }

    /** How a request that held a permit ended, as the limit should learn from it. */
    public enum Result {
        /** Answered with its outcome: the latency is a sample of the count path. */
        ANSWERED,
        /** Ended before the count path (refused, invalid): says nothing about the count path's latency. */
        IGNORED,
        /** The count path did not answer in time or failed: a sample, marked as a sign of overload. */
        DROPPED
    }

    /** What {@link #tryAcquire} decided: a {@link Permit} or a {@link Refusal}. */
    public sealed interface Admission permits Permit, Refusal {
    }

    /** A permit; the first release counts, later ones do nothing. */
    public sealed interface Permit extends Admission permits ClientPermit {
        void release(Result result);
    }

    /** Why a request was refused a permit. */
    public enum Refusal implements Admission {
        /** The limit is reached and the client holds its share already. */
        LIMIT,
        /** The limiter is closed (draining). */
        CLOSED
    }

    private final Limit limit;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Integer> heldByClient = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter shed;
    private final Object idle = new Object();
    private volatile boolean closed;

    /** @param nanoTime the clock latency samples are taken with ({@code System::nanoTime}) */
    public ConcurrencyLimiter(AdmissionConfig config, LongSupplier nanoTime, MeterRegistry registry) {
        this.limit = config.adaptiveLimit()
                ? WindowedLimit.newBuilder().build(Gradient2Limit.newBuilder()
                        .minLimit(config.minInFlight())
                        .maxConcurrency(config.maxInFlight())
                        .initialLimit(Math.max(config.minInFlight(),
                                Math.min(INITIAL_ADAPTIVE_LIMIT, config.maxInFlight())))
                        .longWindow(LONG_WINDOWS)
                        .queueSizeFunction(ConcurrencyLimiter::growth)
                        .build())
                : FixedLimit.of(config.maxInFlight());
        this.nanoTime = nanoTime;
        Gauge.builder("surge.admission.limit", this, ConcurrencyLimiter::limit)
                .description("POST /simulate requests that may be in flight now (adaptive unless SURGE_ADAPTIVE_LIMIT "
                        + "is false; at most SURGE_MAX_IN_FLIGHT)")
                .register(registry);
        Gauge.builder("surge.requests.in.flight", this, ConcurrencyLimiter::inFlight)
                .description("POST /simulate requests admitted and not yet answered (see surge_admission_limit)")
                .register(registry);
        this.shed = Counter.builder("surge.admission.shed")
                .description("POST /simulate requests refused 503 before any work: over the in-flight limit")
                .register(registry);
    }

    public int limit() {
        return limit.getLimit();
    }

    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Whether a request of {@code client} would be refused now, without taking anything: to refuse before reading
     * the body. {@link #tryAcquire} decides.
     */
    public boolean wouldRefuse(String client) {
        if (closed) {
            return false;
        }
        int current = limit.getLimit();
        if (inFlight.get() < current) {
            return false;
        }
        Integer held = heldByClient.get(client);
        int clients = heldByClient.size() + (held == null ? 1 : 0);
        boolean refused = (held == null ? 0 : held) >= Math.max(1, current / Math.max(1, clients));
        if (refused) {
            shed.increment();
        }
        return refused;
    }

    /**
     * A permit for one request of {@code client}, or why there is none. Never waits. The permit must be released once
     * the request has its answer.
     */
    public Admission tryAcquire(String client) {
        if (closed) {
            return Refusal.CLOSED;
        }
        // Count this request first, then decide on counts that include it; undo if refused.
        int held = heldByClient.merge(client, 1, Integer::sum);
        int total = inFlight.incrementAndGet();
        int current = limit.getLimit();
        int share = Math.max(1, current / Math.max(1, heldByClient.size()));
        if (total > current && held > share) {
            giveBack(client);
            inFlight.decrementAndGet();
            shed.increment();
            return Refusal.LIMIT;
        }
        return new ClientPermit(client, nanoTime.getAsLong(), total);
    }

    /** Hands out no more permits: {@link #tryAcquire} answers {@link Refusal#CLOSED} from now on. */
    public void close() {
        closed = true;
    }

    /** After {@link #close()}: waits until every permit is back or {@code timeout} passes; returns whether all are. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (idle) {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                idle.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    private void giveBack(String client) {
        heldByClient.computeIfPresent(client, (c, held) -> held <= 1 ? null : held - 1);
    }

    private final class ClientPermit implements Permit {
        private final String client;
        private final long startNanos;
        private final int inFlightAtStart;
        private final AtomicBoolean released = new AtomicBoolean();

        ClientPermit(String client, long startNanos, int inFlightAtStart) {
            this.client = client;
            this.startNanos = startNanos;
            this.inFlightAtStart = inFlightAtStart;
        }

        @Override
        public void release(Result result) {
            if (released.getAndSet(true)) {
                return;
            }
            if (result != Result.IGNORED) {
                limit.onSample(startNanos, nanoTime.getAsLong() - startNanos, inFlightAtStart,
                        result == Result.DROPPED);
            }
            giveBack(client);
            if (inFlight.decrementAndGet() == 0 && closed) {
                synchronized (idle) {
                    idle.notifyAll();
                }
            }
        }
    }
}
