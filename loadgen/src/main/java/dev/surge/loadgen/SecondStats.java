package dev.surge.loadgen;

/**
 * One second of a run: events due in it ({@code offered}, of which {@code dropped} over the in-flight bound),
 * events answered in it by status ({@code errors}: no answer), latency from due time of the requests acknowledged
 * in it, and requests in flight at its end.
 */
public record SecondStats(int t, long offered, long dropped, long answers, double p50Ms, double p99Ms, long s200,
                          long s202, long s429, long s503, long other, long errors, long inFlight) {
}
