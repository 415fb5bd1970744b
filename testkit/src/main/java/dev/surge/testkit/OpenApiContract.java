package dev.surge.testkit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.OpenAPIVersion;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.mediatype.ContentAnalyserFactory;
import io.vertx.openapi.mediatype.MediaTypePredicate;
import io.vertx.openapi.mediatype.MediaTypeRegistry;
import io.vertx.openapi.mediatype.impl.DefaultMediaTypeRegistration;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.RequestValidator;
import io.vertx.openapi.validation.ResponseParameter;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.impl.RequestParameterImpl;
import io.vertx.openapi.validation.impl.ValidatableRequestImpl;
import io.vertx.openapi.validation.impl.ValidatableResponseImpl;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An OpenAPI 3.1 document as a contract that HTTP exchanges are checked against, with Vert.x OpenAPI (vertx-openapi
 * and its JSON Schema 2020-12 validator): the document is validated against the OpenAPI 3.1 JSON Schema when it is
 * loaded, operations are found by method and path, and requests and responses (status, headers, media type, body)
 * are validated by the library. This class only carries an exchange over to it.
 *
 * <p>What it adds to the library's defaults: the media types ingest-api answers with that vertx-openapi does not
 * know ({@code application/problem+json} is read as JSON; {@code application/x-ndjson}, HTML, scripts and style
 * sheets are not parsed: their media type objects have no schema), and response header names as the document spells
 * them (vertx-openapi 5.1's {@code ValidatableResponse.create} lower-cases header names, and then finds no
 * {@code Retry-After} to validate).
 */
public final class OpenApiContract implements AutoCloseable {
    /** The OpenAPI Initiative's JSON Schema of an OpenAPI 3.1 document. */
    public static final String OPENAPI_31_SCHEMA = "https://spec.openapis.org/oas/3.1/schema/2022-10-07";
    /** The JSON Schema dialect of OpenAPI 3.1's Schema Objects: JSON Schema 2020-12 and OpenAPI's vocabulary. */
    public static final String OPENAPI_31_DIALECT = "https://spec.openapis.org/oas/3.1/dialect/base";
    private static final long TIMEOUT_SECONDS = 30;

    private final Vertx vertx;
    private final JsonObject document;
    private final OpenAPIContract contract;
    private final RequestValidator requests;
    private final ResponseValidator responses;

    /** One request as sent: {@code pathAndQuery} is raw (percent-encoded); {@code body} may be empty. */
    public record Request(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
        public Request {
            headers = caseInsensitive(headers);
        }

        String header(String name) {
            return headers.get(name);
        }
    }

    /** One response as received; header names in any case. */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        public Response {
            headers = caseInsensitive(headers);
        }

        public String header(String name) {
            return headers.get(name);
        }
    }

    /** A documented response: an operation and one of its status codes. */
    public record Documented(String operationId, int status) implements Comparable<Documented> {
        @Override
        public int compareTo(Documented other) {
            int byOperation = operationId.compareTo(other.operationId);
            return byOperation != 0 ? byOperation : Integer.compare(status, other.status);
        }

        @Override
        public String toString() {
            return operationId + " " + status;
        }
    }

    private OpenApiContract(Vertx vertx, JsonObject document, OpenAPIContract contract) {
        this.vertx = vertx;
        this.document = document;
        this.contract = contract;
        this.requests = RequestValidator.create(vertx, contract);
        this.responses = ResponseValidator.create(vertx, contract);
    }

    /** Loads {@code document} (JSON); fails if it is not a valid OpenAPI document vertx-openapi can check against. */
    public static OpenApiContract load(byte[] document) {
        Vertx vertx = Vertx.vertx();
        try {
            JsonObject json = new JsonObject(Buffer.buffer(document));
            OpenAPIContract contract = await(OpenAPIContract.builder(vertx)
                    .setContract(json.copy())
                    .mediaTypeRegistry(mediaTypes())
                    .build());
            return new OpenApiContract(vertx, json, contract);
        } catch (RuntimeException | Error e) {
            vertx.close();
            throw e;
        }
    }

    /**
     * What is wrong with {@code document} as an OpenAPI 3.1 document; empty when it is valid. It is checked against
     * the OpenAPI Initiative's JSON Schema for 3.1 ({@value #OPENAPI_31_SCHEMA}), and each of its Schema Objects
     * against the 3.1 dialect ({@value #OPENAPI_31_DIALECT}), both as bundled with vertx-openapi. The schemas are
     * checked one by one because vertx-json-schema 5.1 does not follow the {@code $dynamicRef} by which the
     * "schema-base" variant of the document schema would check them: it passes a schema of type "text".
     */
    public static List<String> documentErrors(byte[] document) {
        Vertx vertx = Vertx.vertx();
        try {
            SchemaRepository repository = await(OpenAPIVersion.V3_1.getRepository(vertx, "app:///"));
            JsonObject json = new JsonObject(Buffer.buffer(document));
            List<String> errors = new ArrayList<>();
            check(repository, OPENAPI_31_SCHEMA, json, "", errors);
            JsonObject components = json.getJsonObject("components", new JsonObject());
            JsonObject schemas = components.getJsonObject("schemas", new JsonObject());
            for (String name : schemas.fieldNames()) {
                check(repository, OPENAPI_31_DIALECT, schemas.getValue(name), "/components/schemas/" + name, errors);
            }
            JsonObject rest = json.copy();
            if (rest.getValue("components") instanceof JsonObject restComponents) {
                restComponents.remove("schemas");
            }
            checkSchemasIn(repository, rest, "", errors);
            return errors;
        } finally {
            vertx.close();
        }
    }

    /** Checks the value of every {@code schema} member in {@code node} (parameters, headers, media types). */
    private static void checkSchemasIn(SchemaRepository repository, Object node, String pointer, List<String> errors) {
        if (node instanceof JsonObject object) {
            for (String name : object.fieldNames()) {
                String at = pointer + "/" + name.replace("~", "~0").replace("/", "~1");
                if (name.equals("schema")) {
                    check(repository, OPENAPI_31_DIALECT, object.getValue(name), at, errors);
                } else {
                    checkSchemasIn(repository, object.getValue(name), at, errors);
                }
            }
        } else if (node instanceof io.vertx.core.json.JsonArray array) {
            for (int i = 0; i < array.size(); i++) {
                checkSchemasIn(repository, array.getValue(i), pointer + "/" + i, errors);
            }
        }
    }

    private static void check(SchemaRepository repository, String schema, Object instance, String pointer,
                              List<String> errors) {
        OutputUnit result = repository.validator(schema).validate(instance);
        if (!Boolean.TRUE.equals(result.getValid())) {
            List<String> found = new ArrayList<>();
            describe(result, found);
            if (found.isEmpty()) {
                found.add(result.toString());
            }
            found.forEach(error -> errors.add(pointer + " " + error));
        }
    }

    private static MediaTypeRegistry mediaTypes() {
        return MediaTypeRegistry.createDefault()
                .register(new DefaultMediaTypeRegistration(
                        MediaTypePredicate.ofExactTypes("application/problem+json"), ContentAnalyserFactory.json()))
                .register(new DefaultMediaTypeRegistration(
                        MediaTypePredicate.ofExactTypes("application/x-ndjson", "text/html", "text/javascript",
                                "text/css"), ContentAnalyserFactory.noop()));
    }

    /** Every operation and status code the document lists. */
    public Set<Documented> documentedResponses() {
        Set<Documented> documented = new TreeSet<>();
        JsonObject paths = document.getJsonObject("paths");
        for (String path : paths.fieldNames()) {
            JsonObject item = paths.getJsonObject(path);
            for (String method : item.fieldNames()) {
                JsonObject operation = item.getJsonObject(method);
                for (String status : operation.getJsonObject("responses").fieldNames()) {
                    documented.add(new Documented(operation.getString("operationId"), Integer.parseInt(status)));
                }
            }
        }
        return documented;
    }

    /** The operation {@code request} is for, as the library finds it by method and path; null when none is. */
    public Operation operationOf(Request request) {
        return contract.findOperation(URI.create(request.pathAndQuery()).getPath(),
                HttpMethod.valueOf(request.method()));
    }

    /** What is wrong with {@code request} for the operation it is for; empty when it conforms. */
    public List<String> requestErrors(Request request) {
        Operation operation = operationOf(request);
        if (operation == null) {
            return List.of("No operation " + request.method() + " " + request.pathAndQuery() + " in the document");
        }
        Map<String, RequestParameter> path = new HashMap<>();
        Map<String, RequestParameter> query = new HashMap<>();
        Map<String, RequestParameter> headers = new HashMap<>();
        URI uri = URI.create(request.pathAndQuery());
        Map<String, String> queryValues = queryValues(uri.getRawQuery());
        String[] template = operation.getOpenAPIPath().substring(1).split("/");
        String[] segments = uri.getRawPath().substring(1).split("/");
        for (Parameter parameter : operation.getParameters()) {
            switch (parameter.getIn()) {
                case PATH -> {
                    for (int i = 0; i < template.length && i < segments.length; i++) {
                        if (template[i].equals("{" + parameter.getName() + "}")) {
                            path.put(parameter.getName(), parameter(decode(segments[i])));
                        }
                    }
                }
                case QUERY -> query.put(parameter.getName(), parameter(queryValues.get(parameter.getName())));
                case HEADER -> headers.put(parameter.getName(), parameter(request.header(parameter.getName())));
                default -> {
                }
            }
        }
        String contentType = request.header("Content-Type");
        RequestParameter body = request.body().length == 0 ? parameter(null) : parameter(Buffer.buffer(request.body()));
        return errors(() -> requests.validate(new ValidatableRequestImpl(Map.of(), headers, path, query, body,
                contentType), operation.getOperationId()));
    }

    /** What is wrong with {@code response} as an answer of {@code operationId}; empty when it is as documented. */
    public List<String> responseErrors(String operationId, Response response) {
        Map<String, ResponseParameter> headers = new HashMap<>();
        Operation operation = contract.operation(operationId);
        if (operation != null && operation.getResponse(response.status()) != null) {
            for (Parameter header : operation.getResponse(response.status()).getHeaders()) {
                String value = response.header(header.getName());
                if (value != null) {
                    headers.put(header.getName(), parameter(value));
                }
            }
        }
        String contentType = response.header("Content-Type");
        ResponseParameter body = parameter(response.body().length == 0 ? null : Buffer.buffer(response.body()));
        return errors(() -> responses.validate(new ValidatableResponseImpl(response.status(), headers, body,
                contentType), operationId));
    }

    private interface Validation {
        Future<?> run();
    }

    private static List<String> errors(Validation validation) {
        try {
            await(validation.run());
            return List.of();
        } catch (SchemaValidationException e) {
            List<String> errors = new ArrayList<>();
            errors.add(e.getMessage());
            describe(e.getOutputUnit(), errors);
            return errors;
        } catch (RuntimeException e) {
            return List.of(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static void describe(OutputUnit unit, List<String> into) {
        if (unit == null) {
            return;
        }
        if (unit.getError() != null) {
            into.add(unit.getInstanceLocation() + ": " + unit.getError() + " (" + unit.getKeywordLocation() + ")");
        }
        if (unit.getErrors() != null) {
            unit.getErrors().forEach(error -> describe(error, into));
        }
    }

    private static RequestParameterImpl parameter(Object value) {
        return new RequestParameterImpl(value);
    }

    private static Map<String, String> queryValues(String rawQuery) {
        Map<String, String> values = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return values;
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            values.putIfAbsent(name, equals < 0 ? "" : decode(pair.substring(equals + 1)));
        }
        return values;
    }

    private static String decode(String raw) {
        return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    }

    private static Map<String, String> caseInsensitive(Map<String, String> headers) {
        Map<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        copy.putAll(headers);
        return java.util.Collections.unmodifiableMap(copy);
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("vertx-openapi did not answer within " + TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        await(vertx.close());
    }
}
