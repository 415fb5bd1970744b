package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.ingest.admission.AdmissionConfig;
import dev.surge.ingest.admission.ApiKeys;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code POST /simulate} with API keys on: {@code Authorization: Bearer <raw key>}, checked before any quota. */
class ApiKeyTest {
    private static final String RAW_KEY = "s3cret-key-of-checkout-team";
    private TestApi api;

    @BeforeEach
    void start() {
        api = new TestApi(AdmissionConfig.DEFAULTS.withRateLimit(2, 0).withApiKeys(ApiKeys.of(Map.of(
                "checkout", ApiKeys.sha256Hex(RAW_KEY), "search", ApiKeys.sha256Hex("another-key")))));
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void shouldRefuseARequestWithoutAKeyWith401AndABearerChallenge() {
        HttpResponse<String> response = api.post("/simulate", null);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"surge\"");
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(TestApi.json(response).get("status").asInt()).isEqualTo(401);
        assertThat(api.publisher.published).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer wrong-key", "Bearer " + RAW_KEY + "x", "Basic " + RAW_KEY, "Bearer", RAW_KEY})
    void shouldRefuseAWrongOrMalformedKeyWith401WithoutEchoingIt(String authorization) {
        HttpResponse<String> response = api.post("/simulate", null, "Authorization", authorization);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).startsWith("Bearer realm=\"surge\""));
        assertThat(response.body()).doesNotContain(RAW_KEY).doesNotContain("wrong-key");
        assertThat(response.headers().map().toString()).doesNotContain(RAW_KEY).doesNotContain("wrong-key");
        assertThat(api.publisher.published).isEmpty();
    }

    @Test
    void shouldRefuseUnauthenticatedRequestsBeforeSpendingAnyQuota() {
        for (int i = 0; i < 10; i++) {
            assertThat(api.post("/simulate", null, "Authorization", "Bearer wrong-key").statusCode()).isEqualTo(401);
        }

        HttpResponse<String> first = api.post("/simulate", null, "Authorization", "Bearer " + RAW_KEY);
        HttpResponse<String> second = api.post("/simulate", null, "Authorization", "Bearer " + RAW_KEY);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(api.metric("surge_events_total{client=\"anonymous\",outcome=\"unauthorized\"}")).isEqualTo(10);
    }

    @Test
    void shouldTagEventsAndMetricsWithTheKeysNameAndNeverItsValue() {
        HttpResponse<String> response = api.post("/simulate", null, "Authorization", "bearer  " + RAW_KEY);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(api.publisher.published).singleElement()
                .satisfies(p -> assertThat(p.event().client()).isEqualTo("checkout"));
        assertThat(api.metric("surge_events_total{client=\"checkout\",outcome=\"counted\"}")).isEqualTo(1);
        assertThat(api.registry.scrape()).doesNotContain(RAW_KEY).doesNotContain(ApiKeys.sha256Hex(RAW_KEY));
    }

    @Test
    void shouldGiveEachKeyItsOwnQuota() {
        api.post("/simulate", null, "Authorization", "Bearer " + RAW_KEY);
        api.post("/simulate", null, "Authorization", "Bearer " + RAW_KEY);

        assertThat(api.post("/simulate", null, "Authorization", "Bearer " + RAW_KEY).statusCode()).isEqualTo(429);
        assertThat(api.post("/simulate", null, "Authorization", "Bearer another-key").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldLeaveHealthAndMetricsOpen() {
        assertThat(api.send(api.request("/health/live")).statusCode()).isEqualTo(200);
        assertThat(api.send(api.request("/health/ready")).statusCode()).isEqualTo(200);
        assertThat(api.send(api.request("/metrics")).statusCode()).isEqualTo(200);
    }
}
