package dev.surge.ingest.publish;

import dev.surge.common.countpath.Generation;
import dev.surge.common.event.EventRecord;
import dev.surge.common.event.LoadEvent;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/** Makes accepted events durable in the events topic of the count path. */
public interface EventPublisher extends AutoCloseable {

    /** The count path generation whose events topic takes new events now (a rescale changes it). */
    Generation writeTo();

    /**
     * Writes {@code record} to {@code generation}'s events topic, keyed by its record key; the future completes when
     * Kafka has it (acks=all), or fails when Kafka rejects it or does not answer within the produce timeout. Never
     * blocks the caller waiting for Kafka. A batch slice must be written to the generation it was sliced for.
     *
     * @param replyPartition the {@code load-acks} partition this instance reads, where the count should be sent
     */
    CompletableFuture<Written> publish(EventRecord record, Generation generation, OptionalInt replyPartition);

    /** Writes {@code event} to the generation that takes new events now. */
    default CompletableFuture<Written> publish(LoadEvent event, OptionalInt replyPartition) {
        return publish(event, writeTo(), replyPartition);
    }

    /** Where Kafka stored an event. */
    record Written(int partition, long offset) {
    }

    @Override
    void close();
}
