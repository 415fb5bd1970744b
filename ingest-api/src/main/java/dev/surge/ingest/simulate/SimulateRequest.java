package dev.surge.ingest.simulate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.JsonNode;
import dev.surge.common.event.LoadKey;
import dev.surge.common.http.ProblemException;
import dev.surge.common.serde.JsonSerde;
import java.io.IOException;
import java.util.Iterator;

/**
 * The body of {@code POST /simulate}: nothing, {@code {}}, or {@code {"key":"checkout"}}. Anything else is refused
 * with a message that says what was expected.
 */
public record SimulateRequest(String key) {
    /** A field given twice ({"key":"a","key":"b"}) is refused, not silently read as its last value. */
    private static final ObjectReader STRICT = JsonSerde.MAPPER.reader()
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    public static SimulateRequest parse(byte[] body) {
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

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }
}
