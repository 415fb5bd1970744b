package dev.surge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * The dashboard and the alert rules query only metrics the services expose (the list in
 * {@code exposed-metrics.txt}), and the dashboard shows what operators watch during a spike.
 */
class MetricContractTest {
    private final GrafanaDashboard dashboard = new GrafanaDashboard(
            RepoFiles.path("compose/grafana/dashboards/surge.json"));

    static Set<String> exposedMetrics() throws IOException {
        try (InputStream in = MetricContractTest.class.getResourceAsStream("/exposed-metrics.txt")) {
            assertThat(in).as("exposed-metrics.txt on the test classpath").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(line -> line.replaceFirst("#.*", "").trim())
                    .filter(line -> !line.isEmpty())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void shouldQueryOnlyExposedMetricsInTheDashboard() throws IOException {
        Set<String> exposed = exposedMetrics();
        Map<String, Set<String>> unknown = new LinkedHashMap<>();
        Set<String> used = new TreeSet<>();
        for (GrafanaDashboard.Query query : dashboard.queries()) {
            assertThat(query.expression()).as(query.where() + " has a query").isNotBlank();
            Set<String> names = PromQl.metricNames(query.expression());
            assertThat(names).as(query.where() + " reads some metric: " + query.expression()).isNotEmpty();
            used.addAll(names);
            Set<String> notExposed = new TreeSet<>(names);
            notExposed.removeAll(exposed);
            if (!notExposed.isEmpty()) {
                unknown.put(query.where(), notExposed);
            }
        }
        assertThat(unknown).as("dashboard queries naming metrics no service exposes").isEmpty();
        assertThat(used).as("metrics the dashboard reads").hasSizeGreaterThan(10);
    }

    @Test
    void shouldQueryOnlyExposedMetricsInTheAlertRules() throws IOException {
        Set<String> exposed = exposedMetrics();
        JsonNode rules = RepoFiles.yaml(RepoFiles.path("compose/prometheus/alerts.yml"));
        Map<String, Set<String>> unknown = new LinkedHashMap<>();
        int checked = 0;
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String name = rule.has("alert") ? rule.path("alert").asText() : rule.path("record").asText();
                Set<String> names = PromQl.metricNames(rule.path("expr").asText(""));
                assertThat(names).as("rule " + name + " reads some metric").isNotEmpty();
                checked++;
                Set<String> notExposed = new TreeSet<>(names);
                notExposed.removeAll(exposed);
                if (!notExposed.isEmpty()) {
                    unknown.put(name, notExposed);
                }
            }
        }
        assertThat(checked).as("rules checked").isPositive();
        assertThat(unknown).as("alert rules naming metrics no service exposes").isEmpty();
    }

    @Test
    void shouldShowThroughputLatencyRejectionsLagBreakerAndInstances() {
        List<String> expressions = dashboard.queries().stream().map(GrafanaDashboard.Query::expression).toList();

        assertThat(expressions).as("throughput by outcome")
                .anyMatch(e -> e.contains("surge_events_total") && e.matches("(?s).*by \\([^)]*outcome.*"));
        for (String quantile : List.of("0.5", "0.99")) {
            for (String histogram : List.of("surge_ack_latency_seconds_bucket", "http_server_requests_seconds_bucket")) {
                assertThat(expressions).as("p" + quantile + " of " + histogram)
                        .anyMatch(e -> e.contains("histogram_quantile(" + quantile + ",") && e.contains(histogram));
            }
        }
        assertThat(expressions).as("429 rate").anyMatch(e -> e.contains("status=\"429\""));
        assertThat(expressions).as("503 rate").anyMatch(e -> e.contains("status=\"503\""));
        assertThat(expressions).as("consumer lag")
                .anyMatch(e -> e.contains("kafka_consumer_fetch_manager_records_lag_max"));
        assertThat(expressions).as("breaker state").anyMatch(e -> e.contains("resilience4j_circuitbreaker_state"));
        assertThat(expressions).as("per-instance panels")
                .filteredOn(e -> e.matches("(?s).*by \\([^)]*instance.*"))
                .hasSizeGreaterThanOrEqualTo(4);
    }

    @Test
    void shouldReadEveryQueryFromTheProvisionedDatasource() {
        JsonNode provisioned = RepoFiles.yaml(RepoFiles.path("compose/grafana/provisioning/datasources/prometheus.yml"));
        Set<String> uids = StreamSupport.stream(provisioned.path("datasources").spliterator(), false)
                .map(datasource -> datasource.path("uid").asText())
                .collect(Collectors.toSet());
        for (JsonNode panel : dashboard.panels()) {
            assertThat(panel.path("datasource").path("uid").asText())
                    .as("datasource of panel '" + panel.path("title").asText() + "'").isIn(uids);
        }
        for (GrafanaDashboard.Query query : dashboard.queries()) {
            assertThat(query.datasource().path("uid").asText()).as("datasource of " + query.where()).isIn(uids);
        }
    }

    @Test
    void shouldGiveEveryPanelItsOwnIdAndAPlace() {
        Set<Integer> ids = new TreeSet<>();
        for (JsonNode panel : dashboard.panels()) {
            String title = panel.path("title").asText();
            assertThat(title).as("panel title").isNotBlank();
            assertThat(ids.add(panel.path("id").asInt(-1))).as("id of '" + title + "' is unique").isTrue();
            assertThat(panel.path("gridPos").path("w").asInt()).as("width of '" + title + "'").isBetween(1, 24);
            assertThat(panel.path("gridPos").path("h").asInt()).as("height of '" + title + "'").isPositive();
        }
        assertThat(dashboard.root().path("uid").asText()).isNotBlank();
    }
}
