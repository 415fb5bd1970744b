package dev.surge.loadgen;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The settings of a run as given, every one optional: read from a scenario file ({@code --scenario FILE}, JSON) or
 * from command-line options. {@link #overriddenBy} layers options over a file; {@link #toScenario} fills in the
 * defaults and validates.
 *
 * <p>A scenario file:
 *
 * <pre>
 * {"profile": "500/s for 10s, ramp 500/s to 5000/s over 20s, 500/s for 20s",
 *  "keys": 1000, "zipf": 1.1, "mode": "batch-retry", "batchSize": 50, "ack": "count",
 *  "maxInFlight": 1024, "timeout": "10s", "maxAttempts": 5, "settle": "60s", "seed": 7}
 * </pre>
 *
 * {@code profile} may also be a list of phases: {@code ["500/s for 10s", "5000/s for 20s"]}.
 */
public record ScenarioSettings(String target,
                               @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> profile,
                               Integer keys, Double zipf, String mode, Integer batchSize, String ack,
                               Integer maxInFlight, String timeout, Integer maxAttempts, String settle, Long seed,
                               String keyPrefix) {
    public static final String DEFAULT_TARGET = "http://127.0.0.1:8080";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    public static ScenarioSettings none() {
        return new ScenarioSettings(null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public static ScenarioSettings read(Path file) {
        try {
            return JSON.readValue(Files.readString(file), ScenarioSettings.class);
        } catch (NoSuchFileException e) {
            throw new ProfileException("scenario " + file + " does not exist");
        } catch (UnrecognizedPropertyException e) {
            throw new ProfileException("scenario " + file + ": unknown field '" + e.getPropertyName() + "' (known: "
                    + "target, profile, keys, zipf, mode, batchSize, ack, maxInFlight, timeout, maxAttempts, settle, "
                    + "seed, keyPrefix)");
        } catch (JsonProcessingException e) {
            throw new ProfileException("scenario " + file + " is not valid: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException e) {
            throw new ProfileException("cannot read scenario " + file + ": " + e.getMessage());
        }
    }

    /** These settings with every one that {@code options} gives replaced. */
    public ScenarioSettings overriddenBy(ScenarioSettings options) {
        return new ScenarioSettings(pick(options.target, target), pick(options.profile, profile),
                pick(options.keys, keys), pick(options.zipf, zipf), pick(options.mode, mode),
                pick(options.batchSize, batchSize), pick(options.ack, ack), pick(options.maxInFlight, maxInFlight),
                pick(options.timeout, timeout), pick(options.maxAttempts, maxAttempts), pick(options.settle, settle),
                pick(options.seed, seed), pick(options.keyPrefix, keyPrefix));
    }

    private static <T> T pick(T first, T second) {
        return first != null ? first : second;
    }

    /** The scenario, with the defaults for what is not set; {@code verify} false skips the integrity check. */
    public Scenario toScenario(boolean verify, Optional<ApiKey> apiKey) {
        if (profile == null || profile.isEmpty()) {
            throw new ProfileException("no profile: give --profile SPEC or a scenario file with a \"profile\"");
        }
        URI uri;
        try {
            uri = URI.create(pick(target, DEFAULT_TARGET));
        } catch (IllegalArgumentException e) {
            throw new ProfileException("target '" + target + "' is not a URL: " + e.getMessage());
        }
        return new Scenario(uri, ProfileParser.parse(String.join(", ", profile)), pick(keys, 1000), pick(zipf, 0.0),
                pick(seed, ThreadLocalRandom.current().nextLong()), pick(keyPrefix, runPrefix()),
                Mode.of(pick(mode, "single")), pick(batchSize, 100), pick(ack, "count"), pick(maxInFlight, 1024),
                duration("timeout", pick(timeout, "10s")), pick(maxAttempts, 5), duration("settle", pick(settle, "60s")),
                verify, apiKey);
    }

    private static Duration duration(String name, String text) {
        return ProfileParser.duration(text, name);
    }

    /** {@code spike-YYYYMMDD-HHMMSS-XXXX}: a prefix no earlier run used. */
    static String runPrefix() {
        byte[] random = new byte[2];
        ThreadLocalRandom.current().nextBytes(random);
        return "spike-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + HexFormat.of().formatHex(random);
    }
}
