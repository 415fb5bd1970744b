package dev.surge.ingest.admission;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * How long a connection that just got a 503 "overloaded" is left unread: the {@code Retry-After} it is told, enforced.
 *
 * <p>Why: a refusal is cheap but not free, and clients that retry at once (many do under stress) send the next
 * request the moment the 503 arrives. Answering each at once let 4,000 such connections make ingest-api answer
 * ~4,000 refusals a second, and that work (ours, and the client's on this machine) took the CPU the count path
 * needed: counted answers fell to 0.44-0.71 of what the same stack counted at 256 connections. A paused connection
 * costs nothing: its next request waits in the kernel's socket buffer, and is read when the pause ends. The 503 itself
 * is written at once; a client that honours {@code Retry-After} sends its next request when the pause has ended and
 * is read at once.
 *
 * <p>The pause is what a fair queue would make each refused connection wait: {@link #REFUSALS_PER_ADMISSION} times
 * the connections paused now divided by the requests admitted per second (measured over the last second), in whole
 * seconds (as {@code Retry-After} says it) between {@link #MIN_PAUSE} and {@link #MAX_PAUSE}. So about one refusal
 * is answered for every two requests admitted, however many connections wait. A client that opens a new connection
 * for each retry is not paused (the accept queue and the in-flight limit bound it).
 */
public final class RefusalPacing {
    /** Refused connections read again per request admitted, at most (the pause grows to keep to it). */
    static final double REFUSALS_PER_ADMISSION = 0.5;
    static final Duration MIN_PAUSE = Duration.ofSeconds(1);
    static final Duration MAX_PAUSE = Duration.ofSeconds(5);
    private static final long SECOND = 1_000_000_000L;

    private final LongSupplier nanoTime;
    private final AtomicInteger paused = new AtomicInteger();
    private final LongAdder admitted = new LongAdder();
    private final AtomicLong windowStart;
    private volatile long admittedBefore;
    private volatile double admittedPerSecond;

    public RefusalPacing(LongSupplier nanoTime, MeterRegistry registry) {
        this.nanoTime = nanoTime;
        this.windowStart = new AtomicLong(nanoTime.getAsLong());
        Gauge.builder("surge.admission.paused.connections", paused, AtomicInteger::get)
                .description("Connections refused 503 whose next request is not read until their Retry-After ends")
                .register(registry);
        Gauge.builder("surge.admission.retry.after", this, pacing -> pacing.pause().toSeconds())
                .description("The Retry-After (s) a POST /simulate refused now is told, and its connection paused")
                .baseUnit("seconds")
                .register(registry);
    }

    /** One request got an in-flight permit. */
    public void admitted() {
        admitted.increment();
    }

    /** The pause (and Retry-After) for a connection refused now. */
    public Duration pause() {
        roll();
        double rate = admittedPerSecond;
        int waiting = paused.get() + 1;
        // Nothing admitted in the last second (a cold start, or every permit held): no rate to pace by, the shortest.
        double seconds = rate <= 0 ? MIN_PAUSE.toSeconds() : waiting / (rate * REFUSALS_PER_ADMISSION);
        long whole = (long) Math.ceil(seconds);
        return Duration.ofSeconds(Math.max(MIN_PAUSE.toSeconds(), Math.min(MAX_PAUSE.toSeconds(), whole)));
    }

    /**
     * Completes {@code refused} (the handler's callback of a request just refused, its 503 written) once {@code pause}
     * has passed: until then Jetty does not read the connection's next request. If {@code scheduler} takes no more
     * tasks (the server is stopping) it completes at once.
     */
    public void holdThenComplete(Scheduler scheduler, Duration pause, Callback refused) {
        paused.incrementAndGet();
        try {
            scheduler.schedule(() -> {
                paused.decrementAndGet();
                refused.succeeded();
            }, pause.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException stopping) {
            paused.decrementAndGet();
            refused.succeeded();
        }
    }

    /** Every second (at the first call after it), the admissions of the second before become the rate. */
    private void roll() {
        long start = windowStart.get();
        long now = nanoTime.getAsLong();
        long elapsed = now - start;
        if (elapsed < SECOND || !windowStart.compareAndSet(start, now)) {
            return;
        }
        long total = admitted.sum();
        admittedPerSecond = (total - admittedBefore) * (double) SECOND / elapsed;
        admittedBefore = total;
    }
}
