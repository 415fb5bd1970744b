package dev.surge.common.event;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/** The rules for a load key, shared by every component that accepts one from outside. */
public final class LoadKey {
    /** The key used when a request names none. */
    public static final String DEFAULT = "default";
    public static final int MAX_LENGTH = 128;

    private LoadKey() {
    }

    /** Whether {@code key} follows the rules: checked per event on the count path, so a loop rather than a regex. */
    public static boolean isValid(String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    /**
     * The partition of a topic with {@code partitions} partitions that holds {@code key}: the same function as the
     * Kafka producer's built-in partitioner for a keyed record ({@code BuiltInPartitioner.partitionForKey}) applied to
     * the key's UTF-8 bytes (what the String serializer writes).
     */
    public static int partition(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** What is wrong with {@code key}, in words fit for an API client. */
    public static String describeRules() {
        return "a key is 1-" + MAX_LENGTH + " characters of A-Z a-z 0-9 . _ : -";
    }
}
