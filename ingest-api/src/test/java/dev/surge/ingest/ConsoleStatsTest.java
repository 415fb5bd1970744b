package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.surge.ingest.admission.AdmissionConfig;
import dev.surge.ingest.admission.ApiKeys;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /stats}, what the console polls: this instance's last seconds by the status each event was answered
 * with, its reply partitions and breaker, and the counter-streams instances; behind the API key like
 * {@code GET /load}. The page itself ({@code GET /}) is open: it asks for the key.
 */
class ConsoleStatsTest {
    private static final String RAW_KEY = "console-operator-key";
    private TestApi api;

    @AfterEach
    void stop() {
        api.close();
    }

    private static long sum(JsonNode seconds, String field, String status) {
        long sum = 0;
        for (JsonNode second : seconds) {
            JsonNode value = status == null ? second.get(field) : second.get(field).get(status);
            sum += value == null ? 0 : value.asLong();
        }
        return sum;
    }

    @Test
    void shouldCountEachSecondsEventsByTheStatusTheyWereAnsweredWith() {
        api = new TestApi(AdmissionConfig.DEFAULTS.withRateLimit(2, 0));
        int ok = 0;
        int limited = 0;
        for (int i = 0; i < 5; i++) {
            int status = api.post("/simulate", "{\"key\":\"console\"}").statusCode();
            ok += status == 200 ? 1 : 0;
            limited += status == 429 ? 1 : 0;
        }
        assertThat(ok).isEqualTo(2);
        assertThat(limited).isEqualTo(3);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode seconds = TestApi.json(api.send(api.request("/stats").GET())).get("seconds");
            assertThat(sum(seconds, "events", null)).isEqualTo(2);
            assertThat(sum(seconds, "answers", "200")).isEqualTo(2);
            assertThat(sum(seconds, "answers", "429")).isEqualTo(3);
        });
        JsonNode seconds = TestApi.json(api.send(api.request("/stats").GET())).get("seconds");
        JsonNode counted = null;
        for (JsonNode second : seconds) {
            if (second.get("events").asLong() > 0) {
                counted = second;
            }
        }
        assertThat(counted).isNotNull();
        assertThat(counted.get("ackP50Ms").asDouble()).isPositive();
        assertThat(counted.get("ackP99Ms").asDouble()).isGreaterThanOrEqualTo(counted.get("ackP50Ms").asDouble());
    }

    @Test
    void shouldDescribeThisInstanceAndReportCounterStreamsThatDoNotAnswer() {
        api = new TestApi(AdmissionConfig.DEFAULTS);

        JsonNode stats = TestApi.json(api.send(api.request("/stats").GET()));

        JsonNode self = stats.get("self");
        assertThat(self.get("role").asText()).isEqualTo("ingest-api");
        assertThat(self.get("ready").asBoolean()).isTrue();
        assertThat(self.get("partitions")).isNotEmpty();
        assertThat(self.get("breaker").asText()).isEqualTo("CLOSED");
        assertThat(stats.get("instances").get(0)).isEqualTo(self);
        // TestApi's LoadProxy points at a port nothing listens on
        JsonNode counter = stats.get("instances").get(1);
        assertThat(counter.get("role").asText()).isEqualTo("counter-streams");
        assertThat(counter.get("ready").asBoolean()).isFalse();
        assertThat(counter.get("detail").asText()).startsWith("unreachable");
    }

    @Test
    void shouldNeedTheApiKeyForStatsButNotForThePage() {
        api = new TestApi(AdmissionConfig.DEFAULTS.withApiKeys(ApiKeys.of(Map.of(
                "operators", ApiKeys.sha256Hex(RAW_KEY)))));

        HttpResponse<String> without = api.send(api.request("/stats").GET());
        assertThat(without.statusCode()).isEqualTo(401);
        assertThat(without.headers().firstValue("WWW-Authenticate")).isPresent();

        HttpResponse<String> with = api.send(api.request("/stats").header("Authorization", "Bearer " + RAW_KEY)
                .GET());
        assertThat(with.statusCode()).isEqualTo(200);

        HttpResponse<String> page = api.send(api.request("/").GET());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("id=\"api-key-form\"");
    }
}
