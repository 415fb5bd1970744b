package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.surge.ingest.admission.AdmissionConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IngestAppTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private TestApi api;
    private FakeKafka.Publisher publisher;
    private FakeKafka.Inbox inbox;
    private IngestApp app;

    @BeforeEach
    void start() {
        api = new TestApi(AdmissionConfig.DEFAULTS);
        publisher = api.publisher;
        inbox = api.inbox;
        app = api.app;
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private HttpResponse<String> post(String pathAndQuery, String body) {
        return api.post(pathAndQuery, body);
    }

    private static JsonNode json(HttpResponse<String> response) {
        return TestApi.json(response);
    }

    @Test
    void shouldAnswerABodylessPostWithTheRunningCountOfTheDefaultKey() throws Exception {
        post("/simulate", null);
        HttpResponse<String> response = post("/simulate", null);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("status").asText()).isEqualTo("success");
        assertThat(body.get("load").asLong()).isEqualTo(2);
        assertThat(body.get("key").asText()).isEqualTo("default");
        assertThat(body.get("id").asText()).isEqualTo(publisher.published.get(1).event().id());
    }

    @Test
    void shouldPublishTheNamedKeyWithTheReplyPartitionItWaitsOn() throws Exception {
        inbox.partitions = 5;

        HttpResponse<String> response = post("/simulate", "{\"key\":\"checkout\"}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("key").asText()).isEqualTo("checkout");
        assertThat(publisher.published).singleElement().satisfies(p -> {
            assertThat(p.event().key()).isEqualTo("checkout");
            assertThat(p.replyPartition()).isEqualTo(OptionalInt.of(4));
        });
    }

    @Test
    void shouldTreatAnEmptyObjectAsTheDefaultKey() throws Exception {
        assertThat(json(post("/simulate", " {} ")).get("key").asText()).isEqualTo("default");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"key\":", "not json", "[]", "null", "42", "{\"key\":5}", "{\"key\":null}",
            "{\"key\":\"has space\"}", "{\"key\":\"\"}", "{\"key\":\"ok\",\"extra\":1}", "{} {}",
            "{\"key\":\"a\",\"key\":\"b\"}"})
    void shouldRefuseBadBodiesWithProblemJsonAndPublishNothing(String body) throws Exception {
        HttpResponse<String> response = post("/simulate", body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = json(response);
        assertThat(problem.get("status").asInt()).isEqualTo(400);
        assertThat(problem.get("type").asText()).isEqualTo("urn:surge:problem:invalid-request");
        assertThat(problem.get("detail").asText()).isNotBlank();
        assertThat(problem.get("instance").asText()).isEqualTo("/simulate");
        assertThat(publisher.published).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "application/octet-stream",
            "multipart/form-data; boundary=x", "text/json", "application/jsonp", "application/json-seq",
            "application/+json"})
    void shouldRefuseABodyNotSentAsJsonWith415AndPublishNothing(String contentType) throws Exception {
        HttpResponse<String> response = api.send(api.postRequest("/simulate", "{\"key\":\"checkout\"}")
                .setHeader("Content-Type", contentType));

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(response.headers().firstValue("Accept-Post")).contains("application/json");
        JsonNode problem = json(response);
        assertThat(problem.get("status").asInt()).isEqualTo(415);
        assertThat(problem.get("type").asText()).isEqualTo("urn:surge:problem:unsupported-media-type");
        assertThat(problem.get("detail").asText()).contains("'" + contentType + "'");
        assertThat(publisher.published).isEmpty();
        assertThat(api.metric("surge_events_total{client=\"anonymous\",outcome=\"invalid\"}")).isEqualTo(1);
    }

    @Test
    void shouldRefuseABodyWithoutContentTypeWith415() throws Exception {
        HttpResponse<String> response = api.send(api.request("/simulate")
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"checkout\"}")));

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(json(response).get("detail").asText()).contains("no Content-Type");
        assertThat(publisher.published).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8",
            "application/vnd.surge.simulate+json"})
    void shouldAcceptABodySentAsApplicationJsonOrAPlusJsonType(String contentType) throws Exception {
        HttpResponse<String> response = api.send(api.postRequest("/simulate", "{\"key\":\"checkout\"}")
                .setHeader("Content-Type", contentType));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("key").asText()).isEqualTo("checkout");
    }

    @Test
    void shouldAcceptAnEmptyBodyWhateverItsContentType() throws Exception {
        // curl -d '' sends Content-Length: 0 as application/x-www-form-urlencoded: no body, the default key
        byte[] header = "Content-Type: application/x-www-form-urlencoded\r\n".getBytes(StandardCharsets.US_ASCII);

        assertThat(api.rawPost("/simulate", header)).isEqualTo(200);
        assertThat(publisher.published).singleElement()
                .satisfies(p -> assertThat(p.event().key()).isEqualTo("default"));
    }

    @Test
    void shouldRefuseAKeyLongerThan128Characters() throws Exception {
        assertThat(post("/simulate", "{\"key\":\"" + "k".repeat(129) + "\"}").statusCode()).isEqualTo(400);
        assertThat(post("/simulate", "{\"key\":\"" + "k".repeat(128) + "\"}").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswerDurableRequestsWithWhereKafkaStoredTheEvent() throws Exception {
        HttpResponse<String> response = post("/simulate?ack=durable", "{\"key\":\"k\"}");

        assertThat(response.statusCode()).isEqualTo(202);
        JsonNode body = json(response);
        assertThat(body.get("status").asText()).isEqualTo("accepted");
        assertThat(body.get("partition").asInt()).isEqualTo(3);
        assertThat(body.get("offset").asLong()).isZero();
        assertThat(inbox.expected).isEmpty();
        assertThat(publisher.published.get(0).replyPartition()).isEmpty();
    }

    @Test
    void shouldRefuseAnUnknownAckMode() throws Exception {
        assertThat(post("/simulate?ack=maybe", null).statusCode()).isEqualTo(400);
        assertThat(publisher.published).isEmpty();
    }

    @Test
    void shouldAnswer202WhenTheCountDoesNotArriveInTime() throws Exception {
        inbox.counter = null;

        HttpResponse<String> response = post("/simulate", null);

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(json(response).get("status").asText()).isEqualTo("accepted");
        assertThat(json(response).has("load")).isFalse();
    }

    @Test
    void shouldAnswer503WhenTheProducerRefusesTheRecordBeforeTakingIt() throws Exception {
        publisher.failure = new dev.surge.ingest.publish.KafkaUnavailableException("Kafka refused the write",
                java.time.Duration.ofSeconds(1));

        HttpResponse<String> response = post("/simulate", null);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("urn:surge:problem:kafka-unavailable").contains("not be counted");
        assertThat(response.headers().firstValue("Retry-After")).contains("1");
    }

    @Test
    void shouldAnswer504WithRetryAfterWhenKafkaDoesNotConfirmTheWriteInTime() throws Exception {
        publisher.failure = new TimeoutException("Expiring 1 record(s)");

        HttpResponse<String> response = post("/simulate", null);

        assertThat(response.statusCode()).as("the write may be in the log: not a refusal").isEqualTo(504);
        assertThat(response.body()).contains("urn:surge:problem:kafka-unconfirmed");
        assertThat(response.headers().firstValue("Retry-After")).contains("1");
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(inbox.expected).singleElement().satisfies(p -> assertThat(p.ack()).isCompletedWithValue(null));
    }

    @Test
    void shouldBeReadyOnlyWhileItOwnsAReplyPartition() throws Exception {
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/health/ready")).build();
        assertThat(http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        inbox.partitions = 0;

        HttpResponse<String> notReady = http.send(ready, HttpResponse.BodyHandlers.ofString());
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void shouldAnswerUnknownRoutesWithProblemJson() throws Exception {
        HttpResponse<String> response = post("/nope", null);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response).get("status").asInt()).isEqualTo(404);
        assertThat(json(response).get("type").asText()).isEqualTo("urn:surge:problem:not-found");
        assertThat(json(response).get("title").asText()).isEqualTo("Not found");
    }
}
