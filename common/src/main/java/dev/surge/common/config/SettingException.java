package dev.surge.common.config;

/** A setting that cannot be used; the message names it and says what it should be. */
public class SettingException extends IllegalArgumentException {
    public SettingException(String message) {
        super(message);
    }
}
