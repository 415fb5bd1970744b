package dev.surge.common.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * One accepted {@code POST /simulate}: what ingest-api writes to {@code load-events} and counter-streams counts.
 *
 * @param id             unique per accepted request; the ack for this event carries it back
 * @param key            the load key being counted (also the Kafka record key, so one key lives in one partition)
 * @param receivedAt     epoch milliseconds at which ingest-api accepted the request
 * @param client         who sent it (API key name, or remote address when keys are off); may be null
 * @param idempotencyKey the client's {@code Idempotency-Key}, already scoped to the client; null when none was sent.
 *                       counter-streams counts the first event per (load key, idempotency key) within the retention
 *                       and answers retries with the first count.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LoadEvent(String id, String key, long receivedAt, String client, String idempotencyKey)
        implements EventRecord {
    public LoadEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
    }

    @Override
    public String recordKey() {
        return key;
    }

    @Override
    public int size() {
        return 1;
    }

    /** An anonymous event without an idempotency key. */
    public LoadEvent(String id, String key, long receivedAt) {
        this(id, key, receivedAt, null, null);
    }
}
