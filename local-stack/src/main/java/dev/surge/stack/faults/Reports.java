package dev.surge.stack.faults;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Figures over the recording client's attempts. */
final class Reports {
    private Reports() {
    }

    /**
     * How long after {@code from} (ms) the last of {@code keys} got a 200 for a request sent at or after {@code from};
     * -1 while some key has none.
     */
    static long recovery(Collection<Attempt> attempts, List<String> keys, long from) {
        Map<String, Long> firstCounted = new HashMap<>();
        for (Attempt attempt : attempts) {
            if (attempt.counted() && attempt.sentAt() >= from) {
                firstCounted.merge(attempt.key(), attempt.answeredAt(), Math::min);
            }
        }
        if (!firstCounted.keySet().containsAll(keys)) {
            return -1;
        }
        return firstCounted.values().stream().mapToLong(Long::longValue).max().orElse(0) - from;
    }

    /** The longest time between two consecutive 200 answers (any key) among attempts answered in [from, to]. */
    static long longestWithoutCount(Collection<Attempt> attempts, long from, long to) {
        List<Long> times = attempts.stream().filter(Attempt::counted).map(Attempt::answeredAt)
                .filter(t -> t >= from && t <= to).sorted().toList();
        long longest = 0;
        long previous = from;
        for (long t : times) {
            longest = Math.max(longest, t - previous);
            previous = t;
        }
        return Math.max(longest, to - previous);
    }

    /** "(200: 1,234, 202: 5, no answer: 2)" over attempts sent in [from, to). */
    static String outcomes(Collection<Attempt> attempts, long from, long to) {
        Map<String, Long> tally = attempts.stream().filter(a -> a.sentAt() >= from && a.sentAt() < to)
                .collect(Collectors.groupingBy(a -> a.status() == Attempt.NO_ANSWER ? "no answer" : Integer.toString(a.status()),
                        TreeMap::new, Collectors.counting()));
        return tally.entrySet().stream().map(e -> e.getKey() + ": " + String.format(Locale.ROOT, "%,d", e.getValue()))
                .collect(Collectors.joining(", ", "(", ")"));
    }

    static long eventsSent(Collection<Attempt> attempts, long from, long to) {
        return attempts.stream().filter(a -> a.attempt() == 1 && a.sentAt() >= from && a.sentAt() < to).count();
    }

    static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
    }
}
