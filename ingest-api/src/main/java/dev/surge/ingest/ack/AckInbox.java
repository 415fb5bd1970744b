package dev.surge.ingest.ack;

import java.util.List;
import java.util.Optional;

/** The acks addressed to this ingest-api instance: what a request registers with before its event is published. */
public interface AckInbox extends AutoCloseable {

    /**
     * Registers a request for the count of event {@code eventId}. Empty when this instance owns no reply partition
     * now (it then cannot learn counts; the caller answers once the event is durable).
     */
    Optional<PendingAck> expect(String eventId);

    /**
     * Registers a batch of {@code events} events for their counts, which arrive slice by slice. Empty when this
     * instance owns no reply partition now. The batch stops waiting once {@link PendingBatch#done()} completes.
     */
    Optional<PendingBatch> expectBatch(String batchId, int events);

    /** Stops waiting for {@code pending}: its event was not published. */
    void forget(PendingAck pending);

    /** The reply partitions this instance reads now; none means it cannot answer with counts. */
    List<Integer> ownedPartitions();

    @Override
    void close();
}
