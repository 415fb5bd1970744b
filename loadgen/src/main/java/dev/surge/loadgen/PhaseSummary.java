package dev.surge.loadgen;

import java.util.Map;

/**
 * One phase of a run: events due in it, sent, dropped (the in-flight bound was reached), answered; rates per second
 * of the phase; latency from due time of its acknowledged requests; answers by status ({@code error}: none came).
 * Events, not requests: a batch of N is N events.
 */
public record PhaseSummary(int index, String spec, double startS, double endS, long offered, long sent, long dropped,
                           long answers, double offeredRate, double achievedRate, double p50Ms, double p90Ms,
                           double p99Ms, double maxMs, long latencySamples, Map<String, Long> statuses) {
}
