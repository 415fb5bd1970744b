package dev.surge.common.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Raw settings, read once at the edge of a process and handed to the typed configs that validate them.
 *
 * <p>Keys are dotted lower case ({@code ack.timeout}, {@code kafka.bootstrap.servers}). They come from an optional
 * properties file named by {@code SURGE_CONFIG_FILE}, then from environment variables {@code SURGE_*}, which win:
 * {@code SURGE_ACK_TIMEOUT} is {@code ack.timeout}, {@code SURGE_KAFKA_SASL_MECHANISM} is
 * {@code kafka.sasl.mechanism}.
 */
public final class Settings {
    private static final String ENV_PREFIX = "SURGE_";
    private static final String FILE_VARIABLE = "SURGE_CONFIG_FILE";
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

    private final Map<String, String> values;

    public Settings(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** Settings from the environment, layered over the properties file named by {@code SURGE_CONFIG_FILE}. */
    public static Settings fromEnvironment(Map<String, String> environment) {
        Map<String, String> merged = new TreeMap<>();
        String file = environment.get(FILE_VARIABLE);
        if (file != null && !file.isBlank()) {
            merged.putAll(readPropertiesFile(Path.of(file)));
        }
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && !name.equals(FILE_VARIABLE)) {
                merged.put(keyOf(name), value);
            }
        });
        return new Settings(merged);
    }

    /** {@code SURGE_KAFKA_BOOTSTRAP_SERVERS} becomes {@code kafka.bootstrap.servers}. */
    public static String keyOf(String environmentVariable) {
        return environmentVariable.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** {@code ack.timeout} becomes {@code SURGE_ACK_TIMEOUT}: how error messages name a setting. */
    public static String variableOf(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    private static Map<String, String> readPropertiesFile(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new SettingException("Cannot read " + FILE_VARIABLE + " " + file + ": " + e.getMessage());
        }
        Map<String, String> read = new TreeMap<>();
        properties.stringPropertyNames().forEach(name -> read.put(name.trim(), properties.getProperty(name).trim()));
        return read;
    }

    public String string(String key, String defaultValue) {
        String value = values.get(key);
        return value == null || value.isBlank() ? defaultValue : value.trim();
    }

    public int integer(String key, int defaultValue, int min, int max) {
        String raw = values.get(key);
        if (raw == null || raw.isBlank()) {
            return defaultValue;
        }
        int value;
        try {
            value = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw invalid(key, "a whole number", raw);
        }
        if (value < min || value > max) {
            throw new SettingException(name(key) + " should be between " + min + " and " + max + " but was " + value);
        }
        return value;
    }

    public boolean bool(String key, boolean defaultValue) {
        String raw = values.get(key);
        if (raw == null || raw.isBlank()) {
            return defaultValue;
        }
        return switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw invalid(key, "true or false", raw);
        };
    }

    /** A duration such as {@code 500ms}, {@code 2s}, {@code 5m}, {@code 24h}, {@code 1d}; a bare number is ms. */
    public Duration duration(String key, Duration defaultValue, Duration min, Duration max) {
        String raw = values.get(key);
        if (raw == null || raw.isBlank()) {
            return defaultValue;
        }
        Matcher matcher = DURATION.matcher(raw.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw invalid(key, "a duration like 500ms, 2s, 5m or 24h", raw);
        }
        long amount = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2) == null ? "ms" : matcher.group(2);
        Duration value = switch (unit) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> Duration.ofMillis(amount);
        };
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new SettingException(name(key) + " should be between " + min + " and " + max + " but was " + raw);
        }
        return value;
    }

    /** Every setting under {@code prefix}, with the prefix removed: how {@code kafka.*} reaches Kafka clients. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> found = new TreeMap<>();
        values.forEach((key, value) -> {
            if (key.startsWith(prefix) && key.length() > prefix.length()) {
                found.put(key.substring(prefix.length()), value);
            }
        });
        return found;
    }

    private static SettingException invalid(String key, String expected, String raw) {
        return new SettingException(name(key) + " should be " + expected + " but was '" + raw + "'");
    }

    private static String name(String key) {
        return variableOf(key) + " (" + key + ")";
    }
}
