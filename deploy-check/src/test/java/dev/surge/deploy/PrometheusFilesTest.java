package dev.surge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** promtool accepts the Prometheus config and alert rules, and the rules' unit tests pass. */
class PrometheusFilesTest {
    private static final Path PROMETHEUS_DIR = RepoFiles.path("compose/prometheus");

    @Test
    void shouldPassPromtoolCheckConfig() {
        ExternalTool.Result result = ExternalTool.PROMTOOL.run(PROMETHEUS_DIR, "check", "config", "prometheus.yml");

        assertThat(result.exitCode()).as("promtool check config prometheus.yml:%n%s", result.output()).isZero();
    }

    @Test
    void shouldPassPromtoolCheckRules() {
        ExternalTool.Result result = ExternalTool.PROMTOOL.run(PROMETHEUS_DIR, "check", "rules", "alerts.yml");

        assertThat(result.exitCode()).as("promtool check rules alerts.yml:%n%s", result.output()).isZero();
    }

    @Test
    void shouldFireEachAlertAsItsUnitTestsExpect() {
        ExternalTool.Result result = ExternalTool.PROMTOOL.run(PROMETHEUS_DIR, "test", "rules", "alerts.test.yml");

        assertThat(result.exitCode()).as("promtool test rules alerts.test.yml:%n%s", result.output()).isZero();
    }

    @Test
    void shouldRejectARuleThatIsNotPromQl(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("broken.yml"), """
                groups:
                  - name: broken
                    rules:
                      - alert: Broken
                        expr: sum by (job (rate(surge_events_total[1m]))
                """);

        ExternalTool.Result result = ExternalTool.PROMTOOL.run(dir, "check", "rules", "broken.yml");

        assertThat(result.exitCode()).as("promtool must reject a malformed rule:%n%s", result.output()).isNotZero();
    }

    @Test
    void shouldAlertOnErrorsLatencyLagAndAnOpenBreaker() {
        Set<String> alerts = alertNames(RepoFiles.yaml(PROMETHEUS_DIR.resolve("alerts.yml")));

        assertThat(alerts).contains("SurgeHighErrorRatio", "SurgeAckLatencyP99High", "SurgeConsumerLagHigh",
                "SurgeCircuitBreakerOpen");
    }

    @Test
    void shouldAlertOnDeadLettersByReason() {
        JsonNode rule = null;
        for (JsonNode group : RepoFiles.yaml(PROMETHEUS_DIR.resolve("alerts.yml")).path("groups")) {
            for (JsonNode candidate : group.path("rules")) {
                if (candidate.path("alert").asText().equals("SurgeDeadLetters")) {
                    rule = candidate;
                }
            }
        }

        assertThat(rule).as("alert SurgeDeadLetters").isNotNull();
        assertThat(PromQl.metricNames(rule.path("expr").asText())).containsExactly("surge_dead_letters_total");
        assertThat(rule.path("expr").asText()).contains("reason");
    }

    @Test
    void shouldUnitTestEveryAlert() {
        Set<String> alerts = alertNames(RepoFiles.yaml(PROMETHEUS_DIR.resolve("alerts.yml")));
        Set<String> tested = new TreeSet<>();
        for (JsonNode test : RepoFiles.yaml(PROMETHEUS_DIR.resolve("alerts.test.yml")).path("tests")) {
            for (JsonNode alertTest : test.path("alert_rule_test")) {
                if (!alertTest.path("exp_alerts").isEmpty()) {
                    tested.add(alertTest.path("alertname").asText());
                }
            }
        }

        assertThat(tested).as("alerts with a test that expects them to fire").containsAll(alerts);
    }

    @Test
    void shouldLoadTheRulesFromBesideTheConfig() {
        JsonNode config = RepoFiles.yaml(PROMETHEUS_DIR.resolve("prometheus.yml"));

        assertThat(config.path("rule_files")).extracting(JsonNode::asText).containsExactly("alerts.yml");
    }

    private static Set<String> alertNames(JsonNode rules) {
        Set<String> names = new TreeSet<>();
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.has("alert")) {
                    names.add(rule.path("alert").asText());
                }
            }
        }
        return names;
    }
}
