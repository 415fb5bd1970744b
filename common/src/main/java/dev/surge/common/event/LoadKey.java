package dev.surge.common.event;

import java.util.regex.Pattern;

/** The rules for a load key, shared by every component that accepts one from outside. */
public final class LoadKey {
    /** The key used when a request names none. */
    public static final String DEFAULT = "default";
    public static final int MAX_LENGTH = 128;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_LENGTH + "}");

    private LoadKey() {
    }

    public static boolean isValid(String key) {
        return key != null && VALID.matcher(key).matches();
    }

    /** What is wrong with {@code key}, in words fit for an API client. */
    public static String describeRules() {
        return "a key is 1-" + MAX_LENGTH + " characters of A-Z a-z 0-9 . _ : -";
    }
}
