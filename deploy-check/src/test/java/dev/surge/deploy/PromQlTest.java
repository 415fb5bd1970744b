package dev.surge.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void shouldFindTheMetricInsideFunctionsAggregationsAndGrouping() {
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (job, le) "
                + "(rate(surge_ack_latency_seconds_bucket{job=\"ingest-api\", instance=~\"$instance\"}[$__rate_interval])))"))
                .containsExactly("surge_ack_latency_seconds_bucket");
    }

    @Test
    void shouldFindEveryMetricOfABinaryExpression() {
        assertThat(PromQl.metricNames("sum(rate(http_server_requests_seconds_sum[1m])) / "
                + "sum(rate(http_server_requests_seconds_count[1m])) > bool 0.05 unless on (job) up == 0"))
                .containsExactly("http_server_requests_seconds_count", "http_server_requests_seconds_sum", "up");
    }

    @Test
    void shouldNotTakeLabelNamesValuesOrDurationsForMetrics() {
        assertThat(PromQl.metricNames("max without (client_id) (kafka_consumer_fetch_manager_records_lag_max"
                + "{state=~\"open|forced_open\", uri=\"/simulate\"} offset 5m)"))
                .containsExactly("kafka_consumer_fetch_manager_records_lag_max");
        assertThat(PromQl.metricNames("label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")"))
                .containsExactly("up");
    }

    @Test
    void shouldReadTheMetricOfAGrafanaLabelValuesQuery() {
        assertThat(PromQl.metricNames("label_values(up{job=~\"ingest-api|counter-streams\"}, instance)"))
                .containsExactly("up");
        assertThat(PromQl.metricNames("label_values(instance)")).isEmpty();
    }

    @Test
    void shouldRefuseASelectorByName() {
        assertThatThrownBy(() -> PromQl.metricNames("{__name__=~\"surge_.*\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("__name__");
    }
}
