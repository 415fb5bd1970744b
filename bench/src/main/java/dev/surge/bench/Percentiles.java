package dev.surge.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/** Small arithmetic shared by the load tools. */
final class Percentiles {
    private Percentiles() {
    }

    /** The nearest-rank percentile {@code p} (0-100) of ascending {@code sorted}; 0 when empty. */
    static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static long sum(AtomicLongArray a) {
        long s = 0;
        for (int i = 0; i < a.length(); i++) {
            s += a.get(i);
        }
        return s;
    }
}
