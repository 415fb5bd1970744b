package dev.surge.loadgen;

import java.util.Locale;

/** What each arrival sends. */
public enum Mode {
    /** {@code POST /simulate}, one event per request, sent once. */
    SINGLE(false, false),
    /** {@code POST /simulate/batch}, {@code batchSize} events per request, sent once. */
    BATCH(true, false),
    /**
     * {@code POST /simulate} with an {@code Idempotency-Key}; 429, 503, 504 and timeouts are sent again with the
     * same key after the {@code Retry-After} the answer asked for, up to {@code maxAttempts} attempts.
     */
    RETRY(false, true),
    /**
     * {@code POST /simulate/batch} with an {@code idempotencyKey} on every event; a batch refused whole (429, 503,
     * 504, timeout) is sent again whole, the events of a 207 that were not written or not confirmed again as a
     * smaller batch, after Retry-After, up to {@code maxAttempts} attempts.
     */
    BATCH_RETRY(true, true);

    private final boolean batch;
    private final boolean retries;

    Mode(boolean batch, boolean retries) {
        this.batch = batch;
        this.retries = retries;
    }

    public boolean batch() {
        return batch;
    }

    public boolean retries() {
        return retries;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Mode of(String text) {
        for (Mode mode : values()) {
            if (mode.label().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        throw new ProfileException("mode '" + text + "' is not one of single, batch, retry, batch-retry");
    }
}
