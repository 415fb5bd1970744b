package dev.surge.bench;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** What the requests answered within the measured phase said. */
final class BatchWindow {
    long requests, events, success, duplicate, accepted, durable, unavailable, unconfirmed, other, refused,
            ioErrors, timeouts, drained, retryAfter;
    final Map<Integer, Long> statuses = new TreeMap<>();
    long[] latencies = new long[1024];
    int nlat;

    void latency(long nanos) {
        if (nlat == latencies.length) {
            latencies = Arrays.copyOf(latencies, nlat * 2);
        }
        latencies[nlat++] = nanos;
    }

    void add(BatchWindow w) {
        requests += w.requests;
        events += w.events;
        success += w.success;
        duplicate += w.duplicate;
        accepted += w.accepted;
        durable += w.durable;
        unavailable += w.unavailable;
        unconfirmed += w.unconfirmed;
        other += w.other;
        refused += w.refused;
        ioErrors += w.ioErrors;
        timeouts += w.timeouts;
        drained += w.drained;
        retryAfter += w.retryAfter;
        w.statuses.forEach((k, v) -> statuses.merge(k, v, Long::sum));
        for (int i = 0; i < w.nlat; i++) {
            latency(w.latencies[i]);
        }
    }
}
