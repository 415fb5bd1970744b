package dev.surge.counter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.common.event.DeadLetterReason;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class DeadLetterMetricsTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @Test
    void shouldExposeEveryReasonAtZeroBeforeTheFirstDeadLetter() {
        new DeadLetterMetrics(registry);

        assertThat(registry.scrape()).contains(
                "surge_dead_letters_total{reason=\"undecodable\"} 0.0",
                "surge_dead_letters_total{reason=\"invalid-key\"} 0.0",
                "surge_dead_letters_total{reason=\"key-mismatch\"} 0.0",
                "surge_dead_letters_total{reason=\"bad-reply-partition\"} 0.0");
    }

    @Test
    void shouldCountDeadLettersByReason() {
        DeadLetterMetrics metrics = new DeadLetterMetrics(registry);

        metrics.deadLettered(DeadLetterReason.KEY_MISMATCH);
        metrics.deadLettered(DeadLetterReason.KEY_MISMATCH);
        metrics.deadLettered(DeadLetterReason.UNDECODABLE);

        assertThat(registry.scrape()).contains(
                "surge_dead_letters_total{reason=\"key-mismatch\"} 2.0",
                "surge_dead_letters_total{reason=\"undecodable\"} 1.0",
                "surge_dead_letters_total{reason=\"invalid-key\"} 0.0");
    }
}
