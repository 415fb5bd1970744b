package dev.surge.ingest.simulate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.surge.common.event.LoadKey;
import dev.surge.common.http.Problem;
import dev.surge.common.http.ProblemException;
import dev.surge.common.serde.JsonSerde;
import dev.surge.ingest.admission.IdempotencyKey;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of {@code POST /simulate/batch}: events as a JSON array ({@code application/json}) or as NDJSON
 * ({@code application/x-ndjson}: one JSON object per line, blank lines skipped). Each event is what
 * {@code POST /simulate} takes ({@code {}} or {@code {"key":"checkout"}}) plus an optional {@code "idempotencyKey"}.
 *
 * <p>All or nothing: a batch with any bad element is refused whole with 400, and the problem lists every bad element
 * (up to {@value #MAX_ERRORS_SHOWN}) by index, with a JSON pointer and what is wrong. Bodies that are not JSON at all
 * are refused at the first syntax error, with its index. More than {@code maxEvents} events is 413.
 *
 * @param events each event's load key and raw idempotency key (not yet scoped to the client; null when none)
 */
public record BatchRequest(List<Event> events) {
    public static final String NDJSON = "application/x-ndjson";
    static final int MAX_ERRORS_SHOWN = 100;
    private static final JsonFactory JSON = JsonSerde.MAPPER.getFactory();

    /** One event of the batch, as the client sent it. */
    public record Event(String key, String idempotencyKey) {
    }

    public static BatchRequest parse(String contentType, byte[] body, int maxEvents) {
        boolean ndjson = NDJSON.equals(SimulateRequest.mediaType(contentType));
        if (!ndjson && !SimulateRequest.isJson(contentType)) {
            throw SimulateRequest.unsupportedMediaType(contentType, "A batch is a JSON array ('Content-Type: "
                    + "application/json') or NDJSON ('Content-Type: " + NDJSON + "')", "application/json, " + NDJSON);
        }
        Parsing parsing = new Parsing(maxEvents);
        if (ndjson) {
            parsing.ndjson(body);
        } else {
            parsing.array(body);
        }
        return parsing.result();
    }

    /** Collects events and errors; throws the problem once the batch is read. */
    private static final class Parsing {
        private final int maxEvents;
        private final List<Event> events = new ArrayList<>();
        private final List<Problem.Error> errors = new ArrayList<>();
        private int bad;

        Parsing(int maxEvents) {
            this.maxEvents = maxEvents;
        }

        void array(byte[] body) {
            try (JsonParser parser = parser(body, 0, body.length)) {
                JsonToken first = parser.nextToken();
                if (first != JsonToken.START_ARRAY) {
                    throw ProblemException.badRequest(first == null ? "The body is empty: a batch holds at least one event"
                            : "A batch is a JSON array of events, such as [{\"key\":\"checkout\"},{}]");
                }
                int index = 0;
                for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                    if (token == null) {
                        throw ProblemException.badRequest("The body is not valid JSON: the array is not closed");
                    }
                    element(parser, token, index, "/" + index);
                    index++;
                }
                if (parser.nextToken() != null) {
                    throw ProblemException.badRequest("The body is not valid JSON: more follows the array");
                }
            } catch (JsonParseException e) {
                throw ProblemException.badRequest("The body is not valid JSON at event " + (events.size() + bad) + ": "
                        + e.getOriginalMessage());
            } catch (IOException e) {
                throw ProblemException.badRequest("The body cannot be read: " + e.getMessage());
            }
        }

        void ndjson(byte[] body) {
            int index = 0;
            int line = 0;
            for (int start = 0; start < body.length; line++) {
                int end = start;
                while (end < body.length && body[end] != '\n') {
                    end++;
                }
                int next = end + 1;
                if (end > start && body[end - 1] == '\r') {
                    end--;
                }
                if (!blank(body, start, end)) {
                    String pointer = "line " + (line + 1);
                    try (JsonParser parser = parser(body, start, end - start)) {
                        element(parser, parser.nextToken(), index, pointer);
                        if (parser.nextToken() != null) {
                            error(index, pointer, "one JSON object per line: more follows the object");
                        }
                    } catch (JsonParseException e) {
                        error(index, pointer, "not valid JSON: " + e.getOriginalMessage());
                    } catch (IOException e) {
                        throw ProblemException.badRequest("The body cannot be read: " + e.getMessage());
                    }
                    index++;
                }
                start = next;
            }
        }

        /** One element, from its first token; the parser is left on its last token. */
        private void element(JsonParser parser, JsonToken token, int index, String pointer) throws IOException {
            if (events.size() + bad >= maxEvents) {
                throw tooMany(maxEvents);
            }
            if (token != JsonToken.START_OBJECT) {
                parser.skipChildren();
                error(index, pointer, "an event is a JSON object such as {\"key\":\"checkout\"}");
                return;
            }
            String key = null;
            String idempotencyKey = null;
            String wrong = null;
            for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
                JsonToken value = parser.nextToken();
                if (wrong != null) {
                    parser.skipChildren();
                    continue;
                }
                if (name.equals("key")) {
                    key = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                    if (key == null || !LoadKey.isValid(key)) {
                        wrong = "'key' " + (value == JsonToken.VALUE_STRING ? "is invalid" : "should be a string")
                                + ": " + LoadKey.describeRules();
                        pointer = member(pointer, "key");
                    }
                } else if (name.equals("idempotencyKey")) {
                    idempotencyKey = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                    if (idempotencyKey == null || !IdempotencyKey.isValid(idempotencyKey)) {
                        wrong = "'idempotencyKey' should be a string of " + IdempotencyKey.RULES;
                        pointer = member(pointer, "idempotencyKey");
                    }
                } else {
                    wrong = "unknown field '" + name + "': an event has 'key' and 'idempotencyKey'";
                    pointer = member(pointer, name);
                }
                parser.skipChildren();
            }
            if (wrong != null) {
                error(index, pointer, wrong);
                return;
            }
            events.add(new Event(key == null ? LoadKey.DEFAULT : key, idempotencyKey));
        }

        private static String member(String pointer, String name) {
            return pointer.startsWith("/") ? pointer + "/" + name.replace("~", "~0").replace("/", "~1")
                    : pointer + ", '" + name + "'";
        }

        private void error(int index, String pointer, String detail) {
            bad++;
            if (errors.size() < MAX_ERRORS_SHOWN) {
                errors.add(new Problem.Error(index, pointer, detail));
            }
        }

        BatchRequest result() {
            if (bad > 0) {
                throw new ProblemException(Problem.of(400, "invalid-batch", "Invalid batch",
                        bad + " of " + (events.size() + bad) + " events are invalid"
                                + (bad > errors.size() ? " (the first " + errors.size() + " are listed)" : "")
                                + "; nothing was written. Fix them and send the whole batch again.")
                        .withErrors(errors));
            }
            if (events.isEmpty()) {
                throw ProblemException.badRequest("The batch holds no event: send at least one");
            }
            return new BatchRequest(List.copyOf(events));
        }
    }

    private static JsonParser parser(byte[] body, int offset, int length) throws IOException {
        JsonParser parser = JSON.createParser(body, offset, length);
        parser.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());
        return parser;
    }

    static ProblemException tooMany(int maxEvents) {
        return new ProblemException(Problem.of(413, "batch-too-large", "Batch too large",
                "A batch may hold at most " + maxEvents + " events; send the rest in another batch."));
    }

    private static boolean blank(byte[] body, int start, int end) {
        for (int i = start; i < end; i++) {
            if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r') {
                return false;
            }
        }
        return true;
    }
}
