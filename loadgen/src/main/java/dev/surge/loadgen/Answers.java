package dev.surge.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.OptionalLong;

/** Reads what Surge answered: the load of a single event, the per-event results of a batch, Retry-After. */
final class Answers {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] LOAD = "\"load\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private Answers() {
    }

    /**
     * The {@code load} of a {@code POST /simulate} answer, read without a JSON parser (the answer is Surge's own,
     * one flat object); empty when there is none.
     */
    static OptionalLong load(byte[] body) {
        if (body == null) {
            return OptionalLong.empty();
        }
        outer:
        for (int i = 0; i + LOAD.length < body.length; i++) {
            for (int j = 0; j < LOAD.length; j++) {
                if (body[i + j] != LOAD[j]) {
                    continue outer;
                }
            }
            int at = i + LOAD.length;
            while (at < body.length && body[at] == ' ') {
                at++;
            }
            long value = 0;
            int digits = 0;
            while (at < body.length && body[at] >= '0' && body[at] <= '9' && digits < 18) {
                value = value * 10 + (body[at++] - '0');
                digits++;
            }
            return digits == 0 ? OptionalLong.empty() : OptionalLong.of(value);
        }
        return OptionalLong.empty();
    }

    /** The {@code results} array of a batch answer, or null when the body has none. */
    static JsonNode batchResults(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            JsonNode results = JSON.readTree(body).get("results");
            return results != null && results.isArray() ? results : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Seconds to wait before a retry: the Retry-After header (delta-seconds), else 1, at most 30. */
    static long retryAfterMillis(String header) {
        if (header != null && header.trim().matches("\\d{1,6}")) {
            return Math.min(30, Long.parseLong(header.trim())) * 1000;
        }
        return 1000;
    }
}
