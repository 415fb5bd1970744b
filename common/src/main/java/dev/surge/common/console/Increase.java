package dev.surge.common.console;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What cumulative values, each under its own name, added since the previous call: for sampling counters once a
 * second. A name not seen before counts from {@code fromZero ? 0 : its first value}. Values that went down (a meter
 * or a partition that went away and came back) add nothing. Not thread-safe: one sampler thread.
 */
public final class Increase {
    private final boolean fromZero;
    private final Map<String, Double> before = new HashMap<>();

    /**
     * @param fromZero whether a new name's whole value is new (a counter registered since the last call) or only
     *                 what it adds from its first sight on (a partition's total that moved to this instance)
     */
    public Increase(boolean fromZero) {
        this.fromZero = fromZero;
    }

    /** {@code now} by name; returns the increase of each name since the last call, those above 0 only. */
    public Map<String, Long> next(Map<String, Double> now) {
        Map<String, Long> added = new TreeMap<>();
        now.forEach((name, value) -> {
            Double was = before.get(name);
            double base = was != null ? was : fromZero ? 0 : value;
            long increase = Math.round(value - base);
            if (increase > 0) {
                added.put(name, increase);
            }
        });
        before.clear();
        before.putAll(now);
        return added;
    }
}
