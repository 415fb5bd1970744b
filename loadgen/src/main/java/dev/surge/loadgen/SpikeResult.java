package dev.surge.loadgen;

import java.util.List;

/**
 * The result of a spike run, as written to {@code --json FILE} and into the HTML report. Rates and counts are in
 * events (a batch of N is N events); latency is from each request's due time, over the requests acknowledged.
 */
public record SpikeResult(String target, String mode, String profile, int keys, double zipf, String keyPrefix,
                          int batchSize, String ack, int maxInFlight, long seed, String startedAt, double seconds,
                          long offered, long sent, long dropped, long answers, long maxInFlightSeen,
                          List<PhaseSummary> phases, List<SecondStats> perSecond, Integrity integrity) {
    /** 0 when the integrity check passed or was skipped, 1 when it failed. */
    public int exitCode() {
        return integrity.passed() ? 0 : 1;
    }
}
