package dev.surge.loadgen;

import java.time.Duration;
import java.util.Locale;

/** How rates and durations are written in profiles, summaries and reports: {@code 500/s}, {@code 2.5/s}, {@code 90s}. */
final class Rates {
    private Rates() {
    }

    static String format(double ratePerSecond) {
        return number(ratePerSecond) + "/s";
    }

    static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.2f", value);
    }
}
