package dev.surge.common.event;

import java.util.Objects;

/**
 * One accepted {@code POST /simulate}: what ingest-api writes to {@code load-events} and counter-streams counts.
 *
 * @param id         unique per accepted request; the ack for this event carries it back
 * @param key        the load key being counted (also the Kafka record key, so one key lives in one partition)
 * @param receivedAt epoch milliseconds at which ingest-api accepted the request
 */
public record LoadEvent(String id, String key, long receivedAt) {
    public LoadEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
    }
}
