package dev.surge.ingest.simulate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.JsonNode;
import dev.surge.common.event.LoadKey;
import dev.surge.common.http.Problem;
import dev.surge.common.http.ProblemException;
import dev.surge.common.serde.JsonSerde;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * The body of {@code POST /simulate}: nothing, {@code {}}, or {@code {"key":"checkout"}}, sent as JSON
 * ({@code application/json} or {@code application/*+json}). Anything else is refused with a message that says what
 * was expected.
 */
public record SimulateRequest(String key) {
    /** A field given twice ({"key":"a","key":"b"}) is refused, not silently read as its last value. */
    private static final ObjectReader STRICT = JsonSerde.MAPPER.reader()
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    /**
     * @param contentType the request's {@code Content-Type}, or null; a body that is not empty must be sent as JSON
     *                    (415 otherwise), an empty one (no body, {@code Content-Length: 0}) may come with any type
     */
    public static SimulateRequest parse(String contentType, byte[] body) {
        if (body.length > 0 && !isJson(contentType)) {
            throw unsupportedMediaType(contentType, "The body should be JSON, sent with 'Content-Type: "
                    + "application/json'", "application/json");
        }
        if (isBlank(body)) {
            return new SimulateRequest(LoadKey.DEFAULT);
        }
        JsonNode json;
        try {
            json = STRICT.readTree(body);
        } catch (JsonProcessingException e) {
            throw ProblemException.badRequest("The body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ProblemException.badRequest("The body cannot be read: " + e.getMessage());
        }
        if (json == null || !json.isObject()) {
            throw ProblemException.badRequest(
                    "The body should be empty or a JSON object such as {\"key\":\"checkout\"}");
        }
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("key")) {
                throw ProblemException.badRequest("Unknown field '" + name + "': the only field is 'key'");
            }
        }
        JsonNode key = json.get("key");
        if (key == null) {
            return new SimulateRequest(LoadKey.DEFAULT);
        }
        if (!key.isTextual()) {
            throw ProblemException.badRequest("'key' should be a string: " + LoadKey.describeRules());
        }
        if (!LoadKey.isValid(key.textValue())) {
            throw ProblemException.badRequest("Invalid 'key': " + LoadKey.describeRules());
        }
        return new SimulateRequest(key.textValue());
    }

    /** 415 with {@code Accept-Post}: {@code expected} says what the body should have been. */
    static ProblemException unsupportedMediaType(String contentType, String expected, String acceptPost) {
        String sent = contentType == null ? "it had no Content-Type" : "it was sent as '" + contentType + "'";
        return new ProblemException(Problem.of(415, "unsupported-media-type", "Unsupported media type",
                expected + ", but " + sent), Map.of("Accept-Post", acceptPost));
    }

    /** The media type of a {@code Content-Type}, lower case, without parameters (charset); null for none. */
    static String mediaType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    /** {@code application/json} or {@code application/*+json}, in any case, with any parameters (charset). */
    static boolean isJson(String contentType) {
        String mediaType = mediaType(contentType);
        if (mediaType == null) {
            return false;
        }
        if (mediaType.equals("application/json")) {
            return true;
        }
        String prefix = "application/";
        String suffix = "+json";
        return mediaType.startsWith(prefix) && mediaType.endsWith(suffix)
                && mediaType.length() > prefix.length() + suffix.length()
                && mediaType.indexOf('/', prefix.length()) < 0;
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }
}
