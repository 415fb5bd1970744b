package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.surge.common.serde.JsonSerde;
import dev.surge.ingest.admission.AdmissionConfig;
import dev.surge.ingest.admission.ApiKeys;
import dev.surge.testkit.OpenApiContract;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * ingest-api's {@code openapi.json} is a valid OpenAPI 3.1 document (checked with Vert.x OpenAPI against the OpenAPI
 * Initiative's JSON Schema for 3.1), and {@code GET /openapi.json} serves it, open. That every documented answer is
 * what the service answers is {@code OpenApiContractIT}'s job (local-stack).
 */
class OpenApiDocumentTest {
    private static final byte[] DOCUMENT = ApiDescription.read();

    @Test
    void shouldBeAValidOpenApi31DocumentWhoseSchemasAreValidForTheOpenApi31Dialect() {
        assertThat(OpenApiContract.documentErrors(DOCUMENT)).isEmpty();
    }

    @Test
    void shouldFindTheErrorsOfADocumentThatIsNotValidOpenApi31() throws Exception {
        ObjectNode noInfo = (ObjectNode) JsonSerde.MAPPER.readTree(DOCUMENT);
        noInfo.remove("info");
        ObjectNode badSchema = (ObjectNode) JsonSerde.MAPPER.readTree(DOCUMENT);
        ((ObjectNode) badSchema.at("/components/schemas/Key")).put("type", "text");
        ObjectNode badParameter = (ObjectNode) JsonSerde.MAPPER.readTree(DOCUMENT);
        ((ObjectNode) badParameter.at("/paths/~1load/get/parameters/1/schema")).put("minimum", "one");

        assertThat(OpenApiContract.documentErrors(JsonSerde.MAPPER.writeValueAsBytes(noInfo)))
                .anySatisfy(error -> assertThat(error).contains("\"info\""));
        assertThat(OpenApiContract.documentErrors(JsonSerde.MAPPER.writeValueAsBytes(badSchema)))
                .anySatisfy(error -> assertThat(error).startsWith("/components/schemas/Key ").contains("type"));
        assertThat(OpenApiContract.documentErrors(JsonSerde.MAPPER.writeValueAsBytes(badParameter)))
                .anySatisfy(error -> assertThat(error).startsWith("/paths/~1load/get/parameters/1/schema ")
                        .contains("minimum"));
    }

    @Test
    void shouldLoadAsAContractWithAnOperationForEveryRouteOfIngestApi() {
        try (OpenApiContract contract = OpenApiContract.load(DOCUMENT)) {
            Set<String> operations = new TreeSet<>();
            contract.documentedResponses().forEach(response -> operations.add(response.operationId()));
            assertThat(operations).containsExactlyInAnyOrder("simulate", "simulateBatch", "getClusterLoad",
                    "getKeyLoad", "getStats", "getConsole", "getConsoleFile", "getLiveness", "getReadiness",
                    "getMetrics", "getOpenApi");
        }
    }

    @Test
    void shouldTakeAnAnswerAsDocumentedAndRejectOnesThatDriftFromTheDocument() {
        byte[] counted = ("{\"status\":\"success\",\"load\":3,\"key\":\"checkout\","
                + "\"id\":\"76c99cff-fd65-47ef-b3c0-2b5ab3688193\"}").getBytes(StandardCharsets.UTF_8);
        byte[] problem = ("{\"type\":\"urn:surge:problem:kafka-unconfirmed\",\"title\":\"Write not confirmed\","
                + "\"status\":504,\"detail\":\"d\",\"instance\":\"/simulate\"}").getBytes(StandardCharsets.UTF_8);
        Map<String, String> json = Map.of("Content-Type", "application/json");
        Map<String, String> problemJson = Map.of("Content-Type", "application/problem+json", "retry-after", "1");
        try (OpenApiContract contract = OpenApiContract.load(DOCUMENT)) {
            assertThat(contract.responseErrors("simulate", new OpenApiContract.Response(200, json, counted)))
                    .isEmpty();
            assertThat(contract.responseErrors("simulate", new OpenApiContract.Response(504, problemJson, problem)))
                    .as("a header name in another case than the document's").isEmpty();

            assertThat(contract.responseErrors("simulate", new OpenApiContract.Response(418, json, counted)))
                    .as("a status the operation does not list").isNotEmpty();
            assertThat(contract.responseErrors("simulate", new OpenApiContract.Response(200,
                    Map.of("Content-Type", "text/plain"), counted))).as("another media type").isNotEmpty();
            assertThat(contract.responseErrors("simulate", new OpenApiContract.Response(200, json,
                    new String(counted, StandardCharsets.UTF_8).replace("\"load\":3,", "")
                            .getBytes(StandardCharsets.UTF_8)))).as("a required member missing").isNotEmpty();
            assertThat(contract.responseErrors("simulate", new OpenApiContract.Response(504,
                    Map.of("Content-Type", "application/problem+json"), problem))).as("a required header missing")
                    .isNotEmpty();
            assertThat(contract.responseErrors("simulate", new OpenApiContract.Response(202, json, counted)))
                    .as("a 200 body as a 202").isNotEmpty();

            assertThat(contract.requestErrors(new OpenApiContract.Request("POST", "/simulate?ack=durable", json,
                    "{\"key\":\"checkout\"}".getBytes(StandardCharsets.UTF_8)))).isEmpty();
            assertThat(contract.requestErrors(new OpenApiContract.Request("GET", "/load/bad*key", Map.of(),
                    new byte[0]))).as("a path parameter against its pattern").isNotEmpty();
            assertThat(contract.requestErrors(new OpenApiContract.Request("GET", "/load?limit=1001", Map.of(),
                    new byte[0]))).as("a query parameter against its maximum").isNotEmpty();
        }
    }

    @Test
    void shouldServeTheDocumentAsApplicationJsonWithoutAnApiKeyWhenKeysAreOn() {
        AdmissionConfig keysOn = AdmissionConfig.DEFAULTS.withApiKeys(
                ApiKeys.of(Map.of("client", ApiKeys.sha256Hex("raw-key"))));
        try (TestApi api = new TestApi(keysOn)) {
            HttpResponse<String> response = api.send(api.request(ApiDescription.PATH).GET());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(response.body().getBytes(StandardCharsets.UTF_8)).isEqualTo(DOCUMENT);
            // the keys are on: a route that needs one says so
            assertThat(api.send(api.request("/load").GET()).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void shouldDescribeTheDocumentItselfAsOpenApi31() throws Exception {
        JsonNode document = JsonSerde.MAPPER.readTree(DOCUMENT);
        assertThat(document.get("openapi").asText()).isEqualTo("3.1.0");
    }
}
