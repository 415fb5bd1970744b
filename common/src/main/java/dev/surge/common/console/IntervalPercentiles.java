package dev.surge.common.console;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The median and 99th percentile of what a timer recorded since the previous call, from its percentile histogram's
 * buckets (the timer must publish one). Prometheus' timers keep cumulative bucket counts since start, so the
 * difference between two snapshots is the interval's histogram; the percentile is interpolated linearly inside its
 * bucket, as {@code histogram_quantile} does, so a dashboard and this agree. Not thread-safe: one sampler thread.
 */
public final class IntervalPercentiles {
    private final Timer timer;
    private double[] boundsBefore = new double[0];
    private double[] countsBefore = new double[0];
    private long totalBefore;

    /** What one interval held; the percentiles are null when it held nothing. */
    public record Interval(long count, Double p50Ms, Double p99Ms) {
    }

    public IntervalPercentiles(Timer timer) {
        this.timer = timer;
    }

    public Interval next() {
        HistogramSnapshot snapshot = timer.takeSnapshot();
        CountAtBucket[] buckets = snapshot.histogramCounts();
        double[] bounds = new double[buckets.length];
        double[] counts = new double[buckets.length];
        for (int i = 0; i < buckets.length; i++) {
            bounds[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
            counts[i] = buckets[i].count();
        }
        long total = snapshot.count();
        long added = total - totalBefore;
        double[] before = Arrays.equals(bounds, boundsBefore) ? countsBefore : new double[counts.length];
        Interval interval = added <= 0 || bounds.length == 0
                ? new Interval(0, null, null)
                : of(bounds, counts, before, added);
        boundsBefore = bounds;
        countsBefore = counts;
        totalBefore = total;
        return interval;
    }

    private static Interval of(double[] bounds, double[] counts, double[] before, long added) {
        double[] cumulative = new double[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            cumulative[i] = counts[i] - before[i];
        }
        return new Interval(added, quantile(0.50, bounds, cumulative, added),
                quantile(0.99, bounds, cumulative, added));
    }

    /**
     * The {@code q} quantile of {@code total} values whose cumulative counts at or below {@code bounds[i]} are
     * {@code cumulative[i]}; values above the last bound are given the last bound.
     */
    static double quantile(double q, double[] bounds, double[] cumulative, long total) {
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (int i = 0; i < bounds.length; i++) {
            if (cumulative[i] >= rank) {
                double inBucket = cumulative[i] - lowerCount;
                if (inBucket <= 0) {
                    return bounds[i];
                }
                return lowerBound + (bounds[i] - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = bounds[i];
            lowerCount = cumulative[i];
        }
        return bounds[bounds.length - 1];
    }
}
