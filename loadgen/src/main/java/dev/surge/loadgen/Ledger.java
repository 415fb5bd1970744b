package dev.surge.loadgen;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per key of the run, what the stack told this run about its events, for the integrity check: events sent,
 * events acknowledged (answered with a count or accepted: each must be counted exactly once), events that may or
 * may not have been written (no answer, 504 or {@code unconfirmed} in the end), and every load handed out (each
 * must be distinct).
 */
final class Ledger {
    private final AtomicLongArray sent;
    private final AtomicLongArray acknowledged;
    private final AtomicLongArray uncertain;
    private final long[][] loads;
    private final int[] loadCount;
    private final LongAdder refused = new LongAdder();

    Ledger(int keys) {
        sent = new AtomicLongArray(keys);
        acknowledged = new AtomicLongArray(keys);
        uncertain = new AtomicLongArray(keys);
        loads = new long[keys][];
        loadCount = new int[keys];
    }

    int keys() {
        return sent.length();
    }

    void recordSent(int key) {
        sent.incrementAndGet(key);
    }

    /** An event answered with its count ({@code load} > 0) or accepted to be counted later ({@code load} 0). */
    void recordAcknowledged(int key, long load) {
        acknowledged.incrementAndGet(key);
        if (load > 0) {
            synchronized (loads) {
                long[] list = loads[key];
                if (list == null) {
                    list = loads[key] = new long[4];
                } else if (loadCount[key] == list.length) {
                    list = loads[key] = Arrays.copyOf(list, list.length * 2);
                }
                list[loadCount[key]++] = load;
            }
        }
    }

    void recordUncertain(int key) {
        uncertain.incrementAndGet(key);
    }

    void recordRefused() {
        refused.increment();
    }

    long sentTo(int key) {
        return sent.get(key);
    }

    long acknowledged(int key) {
        return acknowledged.get(key);
    }

    long uncertain(int key) {
        return uncertain.get(key);
    }

    long refusedEvents() {
        return refused.sum();
    }

    long[] loads(int key) {
        synchronized (loads) {
            return loads[key] == null ? new long[0] : Arrays.copyOf(loads[key], loadCount[key]);
        }
    }
}
