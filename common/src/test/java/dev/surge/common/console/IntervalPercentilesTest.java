package dev.surge.common.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The console's per-second latency percentiles come from the same histogram Prometheus scrapes. */
class IntervalPercentilesTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer timer = Timer.builder("test.latency").publishPercentileHistogram().register(registry);
    private final IntervalPercentiles percentiles = new IntervalPercentiles(timer);

    @Test
    void shouldGiveThePercentilesOfEachIntervalOnlyNotOfEverythingBefore() {
        for (int ms = 1; ms <= 100; ms++) {
            timer.record(Duration.ofMillis(ms));
        }
        IntervalPercentiles.Interval first = percentiles.next();
        assertThat(first.count()).isEqualTo(100);
        // the histogram's buckets are coarse (Micrometer's percentile buckets): within their width
        assertThat(first.p50Ms()).isCloseTo(50, within(10.0));
        assertThat(first.p99Ms()).isCloseTo(99, within(15.0));

        for (int i = 0; i < 10; i++) {
            timer.record(Duration.ofMillis(500));
        }
        IntervalPercentiles.Interval second = percentiles.next();
        assertThat(second.count()).isEqualTo(10);
        assertThat(second.p50Ms()).isCloseTo(500, within(75.0));
        assertThat(second.p99Ms()).isCloseTo(500, within(75.0));
    }

    @Test
    void shouldGiveNoPercentilesForAnIntervalWithoutValues() {
        timer.record(Duration.ofMillis(3));
        percentiles.next();

        IntervalPercentiles.Interval quiet = percentiles.next();

        assertThat(quiet.count()).isZero();
        assertThat(quiet.p50Ms()).isNull();
        assertThat(quiet.p99Ms()).isNull();
    }

    @Test
    void shouldInterpolateInsideTheBucketLikeHistogramQuantile() {
        double[] bounds = {10, 20, 40};
        double[] cumulative = {0, 50, 100};

        assertThat(IntervalPercentiles.quantile(0.5, bounds, cumulative, 100)).isEqualTo(20.0);
        assertThat(IntervalPercentiles.quantile(0.25, bounds, cumulative, 100)).isEqualTo(15.0);
        assertThat(IntervalPercentiles.quantile(0.99, bounds, cumulative, 100)).isCloseTo(39.6, within(1e-9));
        // values above the last bound get the last bound
        assertThat(IntervalPercentiles.quantile(0.99, bounds, cumulative, 200)).isEqualTo(40.0);
    }
}
