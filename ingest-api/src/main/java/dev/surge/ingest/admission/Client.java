package dev.surge.ingest.admission;

/**
 * Who sent a request: the API key's name when keys are on, else the remote address. Rate limits and idempotency
 * keys are per client.
 *
 * @param id            the key name, or the remote address
 * @param authenticated true when {@code id} is an API key's name
 */
public record Client(String id, boolean authenticated) {
    public static final String ANONYMOUS = "anonymous";

    public static Client keyed(String keyName) {
        return new Client(keyName, true);
    }

    public static Client byAddress(String remoteAddress) {
        return new Client(remoteAddress, false);
    }

    /** The {@code client} tag of metrics: key names are few and known; remote addresses are not. */
    public String metricTag() {
        return authenticated ? id : ANONYMOUS;
    }

    /** An {@code Idempotency-Key} as counter-streams sees it: one client cannot collide with another's keys. */
    public String scope(String idempotencyKey) {
        return id + "/" + idempotencyKey;
    }
}
