package dev.surge.loadgen;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the key of each event: uniform over {@code keys} keys, or Zipf-skewed (key i, counted from 1, drawn with
 * probability proportional to 1 / i^s), the way real traffic piles onto a few hot keys. Deterministic for a seed.
 * Not thread-safe: one chooser per thread.
 */
public final class KeyChooser {
    private final int keys;
    private final double[] cumulative;
    private final SplittableRandom random;

    /** @param zipfExponent 0 for uniform, else the Zipf exponent s (> 0) */
    public KeyChooser(int keys, double zipfExponent, long seed) {
        if (keys < 1) {
            throw new ProfileException("keys must be at least 1, not " + keys);
        }
        if (zipfExponent < 0 || Double.isNaN(zipfExponent)) {
            throw new ProfileException("the Zipf exponent must be 0 (uniform) or more, not " + zipfExponent);
        }
        this.keys = keys;
        this.random = new SplittableRandom(seed);
        if (zipfExponent == 0) {
            cumulative = null;
        } else {
            cumulative = new double[keys];
            double sum = 0;
            for (int i = 0; i < keys; i++) {
                sum += 1 / Math.pow(i + 1, zipfExponent);
                cumulative[i] = sum;
            }
            for (int i = 0; i < keys; i++) {
                cumulative[i] /= sum;
            }
        }
    }

    /** The index (0 .. keys - 1) of the next event's key; index 0 is the hottest under Zipf. */
    public int next() {
        if (cumulative == null) {
            return random.nextInt(keys);
        }
        int at = Arrays.binarySearch(cumulative, random.nextDouble());
        int index = at >= 0 ? at : -at - 1;
        return Math.min(index, keys - 1);
    }

    public int keys() {
        return keys;
    }
}
