package dev.surge.bench;

import dev.surge.loadgen.HttpTarget;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One fixed-rate phase, the wrk2 model on one event loop (loadgen's Netty client, {@link HttpTarget}): request i is
 * due at start + i / rate and goes out on a keep-alive connection, at most {@code connections} at once. When every
 * connection is busy, due requests wait in order for one, and that wait is part of their latency. Arrivals, sends
 * and answers all run on the client's one event-loop thread, so the generator costs one thread whatever the number
 * of connections. Counters are only touched on that thread; {@link #run} returns after it finished (a latch).
 */
final class OpenLoopPhase {
    final URI uri;
    final byte[][] bodies;
    final long intervalNanos;
    final int total;
    final int connections;
    final AtomicLongArray acked;
    final AtomicLongArray sent;
    final long[] dueLatency;
    final long[] serviceLatency;
    /** When each request's answer came (System.nanoTime), and its status; -1 when none came. */
    final long[] answeredAt;
    final int[] statusOf;
    long s2xx, s200, s202, non2xx, ioErrors, timeouts, notSent, late;
    int maxInflightSeen;
    long elapsedNanos;
    long startNanos;

    private final ArrayDeque<Integer> waiting = new ArrayDeque<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private HttpTarget http;
    private long sendDeadline;
    private int next;
    private int busy;
    private int done;

    /**
     * The longest stretch with no 200 answer (ms), with where it began (ms from the start); and the same for any
     * one key (events of key k are requests i with i % keys == k).
     */
    long[] longestWithout200(int keys) {
        long[] lastByKey = new long[keys];
        Arrays.fill(lastByKey, startNanos);
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingLong(i -> answeredAt[i]));
        long last = startNanos, longest = 0, longestFrom = 0, perKey = 0;
        for (int i : order) {
            if (answeredAt[i] < 0 || statusOf[i] != 200) {
                continue;
            }
            if (answeredAt[i] - last > longest) {
                longest = answeredAt[i] - last;
                longestFrom = last - startNanos;
            }
            last = answeredAt[i];
            int key = i % keys;
            perKey = Math.max(perKey, answeredAt[i] - lastByKey[key]);
            lastByKey[key] = answeredAt[i];
        }
        return new long[] {longest / 1_000_000, longestFrom / 1_000_000, perKey / 1_000_000};
    }

    /** {@code bodies}: the JSON body of each key's requests (request i is for key i % bodies.length). */
    OpenLoopPhase(URI uri, byte[][] bodies, double rate, double seconds, int connections, AtomicLongArray acked,
          AtomicLongArray sent) {
        this.sent = sent;
        this.uri = uri;
        this.bodies = bodies;
        this.intervalNanos = (long) (1e9 / rate);
        this.total = (int) Math.round(rate * seconds);
        this.connections = connections;
        this.acked = acked;
        this.dueLatency = new long[total];
        this.serviceLatency = new long[total];
        Arrays.fill(dueLatency, -1);
        Arrays.fill(serviceLatency, -1);
        this.answeredAt = new long[total];
        this.statusOf = new int[total];
        Arrays.fill(answeredAt, -1);
    }

    void run(Duration timeout) throws InterruptedException {
        long start = System.nanoTime() + 50_000_000L;
        startNanos = start;
        long lastDue = start + (total - 1L) * intervalNanos;
        // past this, requests not yet sent are dropped (and reported as errors): the run stays bounded
        sendDeadline = lastDue + timeout.toNanos();
        try (HttpTarget client = new HttpTarget(uri.resolve("/"), null, timeout)) {
            http = client;
            if (total == 0) {
                finished.countDown();
            } else {
                http.at(start, this::offerDue);
            }
            long joinBy = sendDeadline + timeout.toNanos() + 5_000_000_000L;
            finished.await(Math.max(1, joinBy - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        elapsedNanos = System.nanoTime() - start;
    }

    /** On the event loop: sends (or queues) every request due by now, then runs again when the next one is due. */
    private void offerDue() {
        long now = System.nanoTime();
        while (next < total) {
            long due = startNanos + next * intervalNanos;
            if (due > now && due > (now = System.nanoTime())) {
                http.at(due, this::offerDue);
                return;
            }
            if (busy < connections) {
                send(next);
            } else {
                waiting.addLast(next);
            }
            next++;
        }
    }

    private void send(int i) {
        long due = startNanos + i * intervalNanos;
        long now = System.nanoTime();
        if (now > sendDeadline) {
            notSent++;
            finishOne();
            return;
        }
        if (now - due > 1_000_000) {
            late++; // sent more than 1 ms after due: every connection was busy (or the loop was late)
        }
        busy++;
        maxInflightSeen = Math.max(maxInflightSeen, busy);
        int key = i % bodies.length;
        sent.incrementAndGet(key);
        http.post(uri, bodies[key], null, answer -> answered(i, key, due, now, answer));
    }

    private void answered(int i, int key, long due, long sentAt, HttpTarget.Answer answer) {
        long end = System.nanoTime();
        busy--;
        if (answer.failed()) {
            if (answer.failure() instanceof TimeoutException) {
                timeouts++;
            } else {
                ioErrors++;
            }
        } else {
            dueLatency[i] = end - due;
            serviceLatency[i] = end - sentAt;
            answeredAt[i] = end;
            statusOf[i] = answer.status();
            if (answer.status() >= 200 && answer.status() < 300) {
                s2xx++;
                acked.incrementAndGet(key);
                if (answer.status() == 200) {
                    s200++;
                } else if (answer.status() == 202) {
                    s202++;
                }
            } else {
                non2xx++;
            }
        }
        finishOne();
        while (!waiting.isEmpty() && busy < connections) {
            send(waiting.pollFirst());
        }
    }

    private void finishOne() {
        if (++done == total) {
            finished.countDown();
        }
    }

    long[] completedLatencies(long[] all) {
        long[] l = Arrays.stream(all).filter(v -> v >= 0).toArray();
        Arrays.sort(l);
        return l;
    }
}
