package dev.surge.loadgen;

/** A profile, scenario or option that cannot be run, with a message that names the bad part (exit 2). */
public final class ProfileException extends IllegalArgumentException {
    public ProfileException(String message) {
        super(message);
    }
}
