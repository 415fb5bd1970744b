package dev.surge.counter.query;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The load of one key. {@code stale} is true only when the active owner could not answer and a standby replica did:
 * the figures may then lag the acks already handed out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeyLoad(String key, long load, Recent recent, Boolean stale) {
    public KeyLoad markStale() {
        return new KeyLoad(key, load, recent, true);
    }
}
