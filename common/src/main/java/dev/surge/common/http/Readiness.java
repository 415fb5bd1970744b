package dev.surge.common.http;

/** Whether a service can do its job now, and why not when it cannot. */
public record Readiness(boolean ready, String detail) {
    public static Readiness ready(String detail) {
        return new Readiness(true, detail);
    }

    public static Readiness notReady(String detail) {
        return new Readiness(false, detail);
    }
}
