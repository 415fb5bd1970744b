package dev.surge.ingest.simulate;

import dev.surge.common.event.CountAck;
import dev.surge.common.event.LoadEvent;
import dev.surge.ingest.publish.EventPublisher.Written;

/** How an accepted request ended; each maps to one HTTP answer. */
public sealed interface Outcome {

    /** Counted: 200 with the key's running count including this event. */
    record Counted(CountAck ack) implements Outcome {
    }

    /** Durable in Kafka, count not known here (yet): 202. {@code written} is set when the client asked for it. */
    record Accepted(LoadEvent event, Written written) implements Outcome {
    }

    /** Kafka did not take the event: 503, the client should retry. */
    record Unavailable(LoadEvent event, String reason) implements Outcome {
    }
}
