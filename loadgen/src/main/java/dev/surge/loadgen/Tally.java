package dev.surge.loadgen;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What a run counts, second by second (by the second an arrival was due or an answer came) and phase by phase (by
 * the phase the arrival was due in): offered and dropped events, answers by status, and latency from due time in
 * HdrHistogram recorders (microseconds, 3 significant digits). Safe to record from any thread; one reader.
 */
final class Tally {
    /** Per-second columns. */
    enum Column { OFFERED, DROPPED, ANSWERS, S200, S202, S429, S503, OTHER, ERRORS }

    static final long HIGHEST_MICROS = 3_600_000_000L;
    private final int seconds;
    private final AtomicLongArray[] columns = new AtomicLongArray[Column.values().length];
    /** Latency per second an answer came in, until that second is printed (then removed). */
    private final Map<Integer, Recorder> secondLatency = new ConcurrentHashMap<>();
    private final Recorder[] phaseLatency;
    private final Histogram[] phaseTotals;
    private final PhaseCounts[] phases;

    static final class PhaseCounts {
        final LongAdder offered = new LongAdder();
        final LongAdder dropped = new LongAdder();
        final LongAdder sent = new LongAdder();
        final LongAdder answers = new LongAdder();
        final Map<String, LongAdder> statuses = new ConcurrentHashMap<>();

        Map<String, Long> statuses() {
            Map<String, Long> sorted = new TreeMap<>();
            statuses.forEach((status, count) -> sorted.put(status, count.sum()));
            return sorted;
        }
    }

    Tally(int phaseCount, int seconds) {
        this.seconds = seconds;
        for (int i = 0; i < columns.length; i++) {
            columns[i] = new AtomicLongArray(seconds);
        }
        phaseLatency = new Recorder[phaseCount];
        phaseTotals = new Histogram[phaseCount];
        phases = new PhaseCounts[phaseCount];
        for (int i = 0; i < phaseCount; i++) {
            phaseLatency[i] = new Recorder(HIGHEST_MICROS, 3);
            phaseTotals[i] = new Histogram(HIGHEST_MICROS, 3);
            phases[i] = new PhaseCounts();
        }
    }

    int seconds() {
        return seconds;
    }

    private int clamp(int second) {
        return Math.max(0, Math.min(seconds - 1, second));
    }

    void add(Column column, int second, long n) {
        columns[column.ordinal()].addAndGet(clamp(second), n);
    }

    long get(Column column, int second) {
        return columns[column.ordinal()].get(clamp(second));
    }

    PhaseCounts phase(int index) {
        return phases[index];
    }

    /** {@code events} events answered with {@code status} (0: no answer) in {@code second}, due in {@code phase}. */
    void answered(int phase, int second, int status, int events) {
        Column column = switch (status) {
            case 0 -> Column.ERRORS;
            case 200 -> Column.S200;
            case 202 -> Column.S202;
            case 429 -> Column.S429;
            case 503 -> Column.S503;
            default -> Column.OTHER;
        };
        add(column, second, events);
        if (status != 0) {
            add(Column.ANSWERS, second, events);
            phases[phase].answers.add(events);
        }
        phases[phase].statuses.computeIfAbsent(status == 0 ? "error" : Integer.toString(status),
                s -> new LongAdder()).add(events);
    }

    /** The latency of a request acknowledged in {@code second}, due in {@code phase}. */
    void latency(int phase, int second, long micros) {
        long value = Math.max(1, Math.min(HIGHEST_MICROS, micros));
        secondLatency.computeIfAbsent(clamp(second), s -> new Recorder(HIGHEST_MICROS, 3)).recordValue(value);
        phaseLatency[phase].recordValue(value);
    }

    /** The latencies of the requests acknowledged in {@code second}; the second's recorder is dropped. */
    Histogram takeSecond(int second) {
        Recorder recorder = secondLatency.remove(clamp(second));
        return recorder == null ? new Histogram(HIGHEST_MICROS, 3) : recorder.getIntervalHistogram();
    }

    /** Every latency of the phase recorded so far. */
    Histogram phaseLatency(int phase) {
        phaseTotals[phase].add(phaseLatency[phase].getIntervalHistogram());
        return phaseTotals[phase];
    }
}
