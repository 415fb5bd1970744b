package dev.surge.bench;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * One fixed-rate phase, the wrk2 model: {@code connections} keep-alive connections, each on its own thread with
 * blocking I/O. A free connection takes the next request number i, waits until it is due (start + i / rate) and
 * sends it. When every connection is busy, due requests wait for one, and that wait is part of their latency.
 */
final class OpenLoopPhase {
    final URI uri;
    final byte[][] requests;
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
    final AtomicInteger nextIndex = new AtomicInteger();
    final AtomicInteger busy = new AtomicInteger();
    final AtomicLong s2xx = new AtomicLong(), s200 = new AtomicLong(), s202 = new AtomicLong(),
            non2xx = new AtomicLong(), ioErrors = new AtomicLong(), timeouts = new AtomicLong(),
            notSent = new AtomicLong(), late = new AtomicLong();
    final AtomicInteger maxInflightSeen = new AtomicInteger();
    long elapsedNanos;
    long startNanos;

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

    OpenLoopPhase(URI uri, byte[][] requests, double rate, double seconds, int connections, AtomicLongArray acked,
          AtomicLongArray sent) {
        this.sent = sent;
        this.uri = uri;
        this.requests = requests;
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
        long sendDeadline = lastDue + timeout.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Thread t = new Thread(() -> loop(start, sendDeadline, (int) timeout.toMillis()), "openloop-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        long joinBy = sendDeadline + timeout.toNanos() + 5_000_000_000L;
        for (Thread t : threads) {
            long left = joinBy - System.nanoTime();
            if (left > 0) {
                t.join(Math.max(1, left / 1_000_000));
            }
        }
        elapsedNanos = System.nanoTime() - start;
    }

    private void loop(long start, long sendDeadline, int timeoutMillis) {
        RawConnection conn = null;
        while (true) {
            int i = nextIndex.getAndIncrement();
            if (i >= total) {
                break;
            }
            long due = start + i * intervalNanos;
            long now;
            while ((now = System.nanoTime()) < due) {
                long wait = due - now;
                if (wait > 200_000) {
                    LockSupport.parkNanos(wait - 100_000);
                } else {
                    Thread.onSpinWait();
                }
            }
            if (now > sendDeadline) {
                notSent.incrementAndGet();
                continue;
            }
            if (now - due > 1_000_000) {
                late.incrementAndGet(); // sent more than 1 ms after due: every connection was busy
            }
            maxInflightSeen.accumulateAndGet(busy.incrementAndGet(), Math::max);
            int key = i % requests.length;
            long sentAt = System.nanoTime();
            try {
                if (conn == null) {
                    conn = new RawConnection(uri, timeoutMillis);
                }
                this.sent.incrementAndGet(key);
                int status = conn.exchange(requests[key]);
                long end = System.nanoTime();
                dueLatency[i] = end - due;
                serviceLatency[i] = end - sentAt;
                answeredAt[i] = end;
                statusOf[i] = status;
                if (status >= 200 && status < 300) {
                    s2xx.incrementAndGet();
                    acked.incrementAndGet(key);
                    if (status == 200) {
                        s200.incrementAndGet();
                    } else if (status == 202) {
                        s202.incrementAndGet();
                    }
                } else {
                    non2xx.incrementAndGet();
                }
                if (conn.closeAfter) {
                    conn.close();
                    conn = null;
                }
            } catch (SocketTimeoutException e) {
                timeouts.incrementAndGet();
                conn = closeQuietly(conn);
            } catch (IOException e) {
                ioErrors.incrementAndGet();
                conn = closeQuietly(conn);
            } finally {
                busy.decrementAndGet();
            }
        }
        closeQuietly(conn);
    }

    private static RawConnection closeQuietly(RawConnection conn) {
        if (conn != null) {
            conn.close();
        }
        return null;
    }

    long[] completedLatencies(long[] all) {
        long[] l = Arrays.stream(all).filter(v -> v >= 0).toArray();
        Arrays.sort(l);
        return l;
    }
}
