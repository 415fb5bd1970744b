package dev.surge.loadgen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The API key a run sends as {@code Authorization: Bearer}, from a file or {@code SURGE_API_KEY}. Its
 * {@code toString} never shows it, so it cannot end up in a log, a summary or a report.
 */
public final class ApiKey {
    public static final String ENVIRONMENT_VARIABLE = "SURGE_API_KEY";
    private final String raw;

    private ApiKey(String raw) {
        this.raw = raw;
    }

    /** The key in {@code file} (its first line, trimmed), else in {@code SURGE_API_KEY}, else none. */
    public static Optional<ApiKey> from(Path file, Map<String, String> environment) {
        if (file != null) {
            try {
                String text = Files.readString(file, StandardCharsets.UTF_8).strip();
                String first = text.lines().findFirst().orElse("").strip();
                if (first.isEmpty()) {
                    throw new ProfileException("the API key file " + file + " is empty");
                }
                return Optional.of(new ApiKey(first));
            } catch (IOException e) {
                throw new ProfileException("cannot read the API key file " + file + ": " + e.getMessage());
            }
        }
        String value = environment.get(ENVIRONMENT_VARIABLE);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(new ApiKey(value.strip()));
    }

    public static ApiKey of(String raw) {
        return new ApiKey(raw);
    }

    String authorization() {
        return "Bearer " + raw;
    }

    @Override
    public String toString() {
        return "[hidden]";
    }
}
