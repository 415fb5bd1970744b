package dev.surge.ingest.publish;

import dev.surge.common.event.LoadEvent;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/** Makes an accepted event durable in {@code load-events}. */
public interface EventPublisher extends AutoCloseable {

    /**
     * Writes {@code event}; the future completes when Kafka has it (acks=all), or fails when Kafka rejects it or
     * does not answer within the produce timeout. Never blocks the caller waiting for Kafka.
     *
     * @param replyPartition the {@code load-acks} partition this instance reads, where the count should be sent
     */
    CompletableFuture<Written> publish(LoadEvent event, OptionalInt replyPartition);

    /** Where Kafka stored an event. */
    record Written(int partition, long offset) {
    }

    @Override
    void close();
}
