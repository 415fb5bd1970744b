package dev.surge.ingest.simulate;

import dev.surge.common.countpath.Generation;
import dev.surge.common.event.EventSlice;
import java.util.List;
import java.util.stream.IntStream;

/**
 * An accepted batch, ready to write: its id, when it arrived, who sent it and its events in the client's order
 * (idempotency keys already scoped to the client).
 */
public record EventBatch(String id, long receivedAt, String client, List<EventSlice.Item> events) {
    public EventBatch {
        events = List.copyOf(events);
    }

    public int size() {
        return events.size();
    }

    /**
     * One slice per partition of {@code generation}'s events topic that holds any of the events: each event goes to
     * the partition its load key hashes to, keeping the batch's order within a slice, with its position in the
     * batch. Slices come in the order of their first event.
     */
    public List<EventSlice> slice(Generation generation) {
        return EventSlice.byPartition(id, receivedAt, client, IntStream.range(0, events.size()).boxed().toList(),
                events, generation.partitions());
    }
}
