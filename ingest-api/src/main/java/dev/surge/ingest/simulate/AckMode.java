package dev.surge.ingest.simulate;

import dev.surge.common.http.ProblemException;

/** What a client waits for: its event's running count (default), or only for Kafka to have the event. */
public enum AckMode {
    COUNT,
    DURABLE;

    public static AckMode fromQuery(String value) {
        if (value == null || value.equals("count")) {
            return COUNT;
        }
        if (value.equals("durable")) {
            return DURABLE;
        }
        throw ProblemException.badRequest("'ack' should be 'count' (the default) or 'durable' but was '" + value + "'");
    }
}
