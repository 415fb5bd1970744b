package dev.surge.stack.faults;

import dev.surge.stack.Role;
import dev.surge.stack.StackProcess;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/** What a scenario works with: the stack, the load on it, and the run's clock. */
final class FaultContext {
    private final FaultStack stack;
    private final RecordingClient client;
    private final List<String> keys;
    private final LongSupplier clock;
    private final boolean soak;

    FaultContext(FaultStack stack, RecordingClient client, List<String> keys, LongSupplier clock, boolean soak) {
        this.stack = stack;
        this.client = client;
        this.keys = keys;
        this.clock = clock;
        this.soak = soak;
    }

    FaultStack stack() {
        return stack;
    }

    List<String> keys() {
        return keys;
    }

    RecordingClient client() {
        return client;
    }

    /** Milliseconds since the run began. */
    long now() {
        return clock.getAsLong();
    }

    /** Whether this is a {@code --long} run: faults last longer and repeat. */
    boolean soak() {
        return soak;
    }

    StackProcess running(Role role, int index) {
        List<StackProcess> running = stack.running(role);
        if (running.size() <= index) {
            throw new IllegalStateException("only " + running.size() + " " + role + " run; wanted #" + (index + 1));
        }
        return running.get(index);
    }

    /** Keeps the load on for {@code duration}: the scenario's timeline, not a wait for a condition. */
    void underLoad(Duration duration) throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(duration.toMillis());
    }

    /**
     * Keeps the load on until the stack counts steadily: every request sent between {@code 8 s} and {@code 5.5 s}
     * ago (answered by now: the ack timeout is 5 s) was answered 200, at least 10 of them, and every answer of the
     * last 3 s was 200. A stack that has just started is not there yet (cold JVMs, the class data archive being
     * written at a safepoint, the second ingest-api joining the ack group): a fault injected then measures the
     * start-up as well. Returns the run clock when steady, or -1 when {@code within} passed first.
     */
    long awaitSteady(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            long now = now();
            List<Attempt> attempts = client.attempts();
            List<Attempt> settled = attempts.stream()
                    .filter(a -> a.sentAt() >= now - 8_000 && a.sentAt() < now - 5_500).toList();
            boolean recentAllCounted = attempts.stream()
                    .filter(a -> a.answeredAt() >= now - 3_000)
                    .allMatch(Attempt::counted);
            if (settled.size() >= 10 && settled.stream().allMatch(Attempt::counted) && recentAllCounted) {
                return now;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        return -1;
    }

    /**
     * Waits until every key has had a 200 for a request sent at or after {@code from}; returns how long after
     * {@code from} the last key got it, or -1 when {@code within} passed first.
     */
    long awaitEveryKeyCounted(long from, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            long recovered = Reports.recovery(client.attempts(), keys, from);
            if (recovered >= 0) {
                return recovered;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        return -1;
    }

    /**
     * Waits for the first 200 from the ingest-api on {@code port} for a request sent at or after {@code from};
     * returns how long after {@code from} it came, or -1 when {@code within} passed first.
     */
    long awaitFirstCountFrom(int port, long from, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            long first = client.attempts().stream()
                    .filter(a -> a.port() == port && a.counted() && a.sentAt() >= from)
                    .mapToLong(Attempt::answeredAt).min().orElse(-1);
            if (first >= 0) {
                return first - from;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        return -1;
    }

    /**
     * The 5xx answers since {@code from} other than a 503 (not written) or 504 (not confirmed) problem with
     * Retry-After.
     */
    List<String> serverErrorsSince(long from) {
        return client.attempts().stream()
                .filter(a -> a.sentAt() >= from && a.status() >= 500 && !((a.status() == 503 || a.status() == 504)
                        && a.problem() && a.retryAfter() != null))
                .map(a -> a.status() + " from " + a.port() + (a.problem() ? "" : " (not problem+json)"))
                .distinct().toList();
    }

    Set<Integer> statusesSince(long from) {
        return client.attempts().stream().filter(a -> a.sentAt() >= from).map(Attempt::status)
                .collect(Collectors.toSet());
    }
}
