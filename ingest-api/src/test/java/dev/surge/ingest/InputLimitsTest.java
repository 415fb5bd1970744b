package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.ingest.admission.AdmissionConfig;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bodies over {@code max.body.bytes} and malformed {@code Idempotency-Key}s are refused; nothing is produced. */
class InputLimitsTest {
    private static final int LIMIT = 8192;
    private TestApi api;

    @BeforeEach
    void start() {
        api = new TestApi(AdmissionConfig.DEFAULTS);
    }

    @AfterEach
    void stop() {
        api.close();
    }

    /** A valid body of exactly {@code size} bytes: the key, padded with spaces. */
    private static String bodyOf(int size) {
        String json = "{\"key\":\"checkout\"}";
        return json + " ".repeat(size - json.length());
    }

    @Test
    void shouldAcceptABodyOfExactlyTheLimit() {
        assertThat(api.post("/simulate", bodyOf(LIMIT)).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRefuseABodyOverTheLimitWith413() {
        HttpResponse<String> response = api.post("/simulate", bodyOf(100 * 1024));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(TestApi.json(response).get("detail").asText()).contains("8192 bytes");
        assertThat(api.publisher.published).isEmpty();
        assertThat(api.metric("surge_events_total{client=\"anonymous\",outcome=\"invalid\"}")).isEqualTo(1);
    }

    @Test
    void shouldRefuseAChunkedBodyOverTheLimitWith413() {
        byte[] body = bodyOf(100 * 1024).getBytes(StandardCharsets.UTF_8);
        // An input stream of unknown length: sent chunked, without Content-Length.
        HttpRequest.Builder chunked = api.request("/simulate").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));

        HttpResponse<String> response = api.send(chunked);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(api.publisher.published).isEmpty();
    }

    @Test
    void shouldAcceptAChunkedBodyUnderTheLimit() {
        byte[] body = bodyOf(LIMIT).getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder chunked = api.request("/simulate").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));

        HttpResponse<String> response = api.send(chunked);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(TestApi.json(response).get("key").asText()).isEqualTo("checkout");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"\"", "tab\there"})
    void shouldRefuseAnIdempotencyKeyThatIsEmptyOrNotPrintableAscii(String key) {
        HttpRequest.Builder request = api.postRequest("/simulate", null);
        request.header("Idempotency-Key", key);

        HttpResponse<String> response = api.send(request);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(TestApi.json(response).get("detail").asText()).contains("Idempotency-Key");
        assertThat(api.publisher.published).isEmpty();
    }

    @Test
    void shouldRefuseAnIdempotencyKeyWithBytesOutsideAscii() {
        byte[] header = "Idempotency-Key: caf\u00e9\r\n".getBytes(StandardCharsets.ISO_8859_1);

        assertThat(api.rawPost("/simulate", header)).isEqualTo(400);
        assertThat(api.rawPost("/simulate", "Idempotency-Key: cafe\r\n".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(200);
        assertThat(api.publisher.published).hasSize(1);
    }

    @Test
    void shouldRefuseAnIdempotencyKeyLongerThan255Characters() {
        assertThat(api.post("/simulate", null, "Idempotency-Key", "k".repeat(256)).statusCode()).isEqualTo(400);
        assertThat(api.post("/simulate", null, "Idempotency-Key", "k".repeat(255)).statusCode()).isEqualTo(200);
        assertThat(api.publisher.published).hasSize(1);
    }

    @Test
    void shouldRefuseTwoIdempotencyKeys() {
        HttpResponse<String> response = api.post("/simulate", null,
                "Idempotency-Key", "one", "Idempotency-Key", "two");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(api.publisher.published).isEmpty();
    }
}
