package dev.surge.ingest.admission;

import dev.surge.common.http.ProblemException;
import io.javalin.http.Context;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The {@code Idempotency-Key} request header (draft-ietf-httpapi-idempotency-key-header): 1-255 printable ASCII
 * characters, sent bare or as a quoted structured-field string ({@code "abc"} and {@code abc} are the same key).
 */
public final class IdempotencyKey {
    public static final String HEADER = "Idempotency-Key";
    public static final int MAX_LENGTH = 255;

    private IdempotencyKey() {
    }

    /** The key the client sent, if any; a malformed one is refused with 400. */
    public static Optional<String> of(Context ctx) {
        List<String> values = Collections.list(ctx.req().getHeaders(HEADER));
        if (values.isEmpty()) {
            return Optional.empty();
        }
        if (values.size() > 1) {
            throw ProblemException.badRequest("Send at most one " + HEADER + " header");
        }
        String value = values.get(0).strip();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        if (!isValid(value)) {
            throw ProblemException.badRequest(HEADER + " should be " + RULES);
        }
        return Optional.of(value);
    }

    /** What a valid key is, in words fit for an API client. */
    public static final String RULES = "1-" + MAX_LENGTH + " printable ASCII characters";

    /** Whether {@code value} is a valid key (as sent in a batch element, unquoted). */
    public static boolean isValid(String value) {
        return !value.isEmpty() && value.length() <= MAX_LENGTH && printableAscii(value);
    }

    private static boolean printableAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
