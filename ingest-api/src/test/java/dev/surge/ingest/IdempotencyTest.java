package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.surge.ingest.admission.AdmissionConfig;
import dev.surge.ingest.admission.ApiKeys;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code Idempotency-Key} on the ingest-api side: scoped to the client and carried in the event; a duplicate ack
 * (counter-streams saw the key before) is answered with the first count. The dedupe itself is counter-streams'
 * and is tested on a real broker in local-stack's {@code IdempotencyIT}.
 */
class IdempotencyTest {
    private TestApi api;

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void shouldScopeTheIdempotencyKeyToTheClientsAddressWhenKeysAreOff() {
        api = new TestApi(AdmissionConfig.DEFAULTS);

        api.post("/simulate", null, "Idempotency-Key", "order-42");
        api.post("/simulate", null);

        assertThat(api.publisher.published).hasSize(2);
        assertThat(api.publisher.published.get(0).event().client()).isEqualTo("127.0.0.1");
        assertThat(api.publisher.published.get(0).event().idempotencyKey()).isEqualTo("127.0.0.1/order-42");
        assertThat(api.publisher.published.get(1).event().idempotencyKey()).isNull();
    }

    @Test
    void shouldScopeTheIdempotencyKeyToTheApiKeysName() {
        api = new TestApi(AdmissionConfig.DEFAULTS.withApiKeys(ApiKeys.of(Map.of(
                "checkout", ApiKeys.sha256Hex("k1"), "search", ApiKeys.sha256Hex("k2")))));

        api.post("/simulate", null, "Authorization", "Bearer k1", "Idempotency-Key", "\"order-42\"");
        api.post("/simulate", null, "Authorization", "Bearer k2", "Idempotency-Key", "order-42");

        assertThat(api.publisher.published).extracting(p -> p.event().idempotencyKey())
                .containsExactly("checkout/order-42", "search/order-42");
        assertThat(api.counts).hasValue(2);
    }

    @Test
    void shouldAnswerARetryWithTheFirstCountAndCountItAsADuplicate() {
        api = new TestApi(AdmissionConfig.DEFAULTS);
        JsonNode first = TestApi.json(api.post("/simulate", "{\"key\":\"pay\"}", "Idempotency-Key", "order-42"));
        api.post("/simulate", "{\"key\":\"pay\"}");

        HttpResponse<String> retry = api.post("/simulate", "{\"key\":\"pay\"}", "Idempotency-Key", "order-42");

        assertThat(retry.statusCode()).isEqualTo(200);
        JsonNode body = TestApi.json(retry);
        assertThat(body.get("load").asLong()).isEqualTo(first.get("load").asLong()).isEqualTo(1);
        assertThat(body.get("duplicate").asBoolean()).isTrue();
        assertThat(body.get("id").asText()).isNotEqualTo(first.get("id").asText());
        assertThat(first.has("duplicate")).isFalse();
        assertThat(api.counts).hasValue(2);
        assertThat(api.metric("surge_events_total{client=\"anonymous\",outcome=\"duplicate\"}")).isEqualTo(1);
        assertThat(api.metric("surge_events_total{client=\"anonymous\",outcome=\"counted\"}")).isEqualTo(2);
    }
}
