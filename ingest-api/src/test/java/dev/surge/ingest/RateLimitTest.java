package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.ingest.admission.AdmissionConfig;
import dev.surge.ingest.admission.ApiKeys;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Per-client and per-instance rate limits on {@code POST /simulate}, on a fake clock. */
class RateLimitTest {
    private TestApi api;

    @AfterEach
    void stop() {
        api.close();
    }

    private static AdmissionConfig keyed(int perClient, int perInstance) {
        return AdmissionConfig.DEFAULTS.withRateLimit(perClient, perInstance).withApiKeys(ApiKeys.of(Map.of(
                "flooder", ApiKeys.sha256Hex("key-a"), "polite", ApiKeys.sha256Hex("key-b"))));
    }

    private HttpResponse<String> postAs(String rawKey) {
        return api.post("/simulate", null, "Authorization", "Bearer " + rawKey);
    }

    @Test
    void shouldAnswer429WithRetryAfterAndTheRateLimitFieldsOnceAClientHasSpentItsQuota() {
        api = new TestApi(AdmissionConfig.DEFAULTS.withRateLimit(50, 0));

        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            statuses.add(api.post("/simulate", null).statusCode());
        }
        HttpResponse<String> refused = api.post("/simulate", null);

        assertThat(statuses).containsOnly(200);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).contains("1");
        assertThat(refused.headers().firstValue("RateLimit-Policy")).contains("\"default\";q=50;w=1");
        assertThat(refused.headers().firstValue("RateLimit")).contains("\"default\";r=0;t=1");
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(TestApi.json(refused).get("status").asInt()).isEqualTo(429);
        assertThat(api.publisher.published).hasSize(50);
        assertThat(api.metric("surge_events_total{client=\"anonymous\",outcome=\"rate_limited\"}")).isEqualTo(1);
    }

    @Test
    void shouldTellSuccessfulAnswersHowMuchOfTheQuotaIsLeft() {
        api = new TestApi(AdmissionConfig.DEFAULTS.withRateLimit(50, 0));

        HttpResponse<String> first = api.post("/simulate", null);
        HttpResponse<String> second = api.post("/simulate", null);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("RateLimit")).contains("\"default\";r=49;t=1");
        assertThat(first.headers().firstValue("RateLimit-Policy")).contains("\"default\";q=50;w=1");
        assertThat(second.headers().firstValue("RateLimit")).contains("\"default\";r=48;t=1");
    }

    @Test
    void shouldGiveAClientItsWholeQuotaBackWhenTheNextSecondStarts() {
        api = new TestApi(AdmissionConfig.DEFAULTS.withRateLimit(3, 0));
        for (int i = 0; i < 3; i++) {
            api.post("/simulate", null);
        }
        assertThat(api.post("/simulate", null).statusCode()).isEqualTo(429);

        api.time.advance(Duration.ofSeconds(1));

        assertThat(api.post("/simulate", null).statusCode()).isEqualTo(200);
        assertThat(api.post("/simulate", null).statusCode()).isEqualTo(200);
        assertThat(api.post("/simulate", null).statusCode()).isEqualTo(200);
        assertThat(api.post("/simulate", null).statusCode()).isEqualTo(429);
    }

    @Test
    void shouldServeAPoliteClientWhileAnotherFloodsAtTenTimesItsQuota() {
        int quota = 12;
        // Each second: the flooder sends 10 x its quota, the polite client 10 requests, under its quota of 12.
        // The instance could serve both clients' quotas, not the flood: the flood must not eat the polite share.
        api = new TestApi(keyed(quota, 2 * quota));
        List<Integer> polite = new ArrayList<>();
        List<Integer> flood = new ArrayList<>();

        for (int second = 0; second < 10; second++) {
            List<CompletableFuture<HttpResponse<String>>> floodRound = new ArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> politeRound = new ArrayList<>();
            for (int i = 0; i < 10 * quota; i++) {
                floodRound.add(api.sendAsync(api.postRequest("/simulate", null)
                        .header("Authorization", "Bearer key-a")));
                if (i % quota == 0) {
                    politeRound.add(api.sendAsync(api.postRequest("/simulate", null)
                            .header("Authorization", "Bearer key-b")));
                }
            }
            floodRound.forEach(response -> flood.add(response.join().statusCode()));
            politeRound.forEach(response -> polite.add(response.join().statusCode()));
            api.time.advance(Duration.ofSeconds(1));
        }

        assertThat(polite).hasSize(100);
        assertThat(polite.stream().filter(status -> status == 200).count()).isGreaterThanOrEqualTo(99);
        // The flood may also meet the in-flight limit (503): it is at most its share of the limit, never the polite
        // client's.
        assertThat(flood).hasSize(10 * 10 * quota).allMatch(status -> status == 200 || status == 429 || status == 503);
        assertThat(flood.stream().filter(status -> status == 200).count()).isEqualTo(10 * quota);
        assertThat(api.metric("surge_events_total{client=\"flooder\",outcome=\"rate_limited\"}"))
                .isEqualTo(flood.stream().filter(status -> status == 429).count());
    }

    @Test
    void shouldLimitAllClientsTogetherAtTheInstanceLimit() {
        api = new TestApi(keyed(0, 4));

        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            statuses.add(postAs("key-a").statusCode());
            statuses.add(postAs("key-b").statusCode());
        }
        HttpResponse<String> refused = postAs("key-b");

        assertThat(statuses).containsExactly(200, 200, 200, 200, 429, 429);
        assertThat(refused.headers().firstValue("RateLimit-Policy")).contains("\"instance\";q=4;w=1");
        assertThat(refused.headers().firstValue("RateLimit")).contains("\"instance\";r=0;t=1");
        assertThat(refused.headers().firstValue("Retry-After")).contains("1");
    }

    @Test
    void shouldNameBothPoliciesWhenBothLimitsAreOn() {
        api = new TestApi(AdmissionConfig.DEFAULTS.withRateLimit(50, 1000));

        HttpResponse<String> response = api.post("/simulate", null);

        assertThat(response.headers().firstValue("RateLimit-Policy"))
                .contains("\"default\";q=50;w=1, \"instance\";q=1000;w=1");
        assertThat(response.headers().firstValue("RateLimit")).contains("\"default\";r=49;t=1");
    }

    @Test
    void shouldSendNoRateLimitFieldsWhenLimitsAreOff() {
        api = new TestApi(AdmissionConfig.DEFAULTS);

        HttpResponse<String> response = api.post("/simulate", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("RateLimit")).isEmpty();
        assertThat(response.headers().firstValue("RateLimit-Policy")).isEmpty();
    }

    @Test
    void shouldExposeTheInstanceLimiterAtMetrics() {
        api = new TestApi(AdmissionConfig.DEFAULTS.withRateLimit(0, 10));
        api.post("/simulate", null);

        assertThat(api.registry.scrape())
                .contains("resilience4j_ratelimiter_available_permissions{name=\"instance\"}");
    }
}
