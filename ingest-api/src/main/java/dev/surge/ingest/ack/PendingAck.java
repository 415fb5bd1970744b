package dev.surge.ingest.ack;

import dev.surge.common.event.CountAck;
import java.util.concurrent.CompletableFuture;

/**
 * A request waiting for its count. {@link #ack()} completes with the {@link CountAck}, or with {@code null} when no
 * count will reach this instance (timeout, or its reply partition moved to another instance).
 *
 * @param replyPartition the {@code load-acks} partition the count will be sent to
 */
public record PendingAck(String eventId, int replyPartition, CompletableFuture<CountAck> ack) implements Awaited {
    @Override
    public void release() {
        ack.complete(null);
    }
}
