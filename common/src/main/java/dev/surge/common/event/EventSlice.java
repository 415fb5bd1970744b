package dev.surge.common.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The events of one {@code POST /simulate/batch} that fall in one partition of the events topic: written as one
 * record, counted in one step by the task that owns the partition, acknowledged with one {@link SliceAck}. Each event
 * is counted exactly as a {@link LoadEvent} would be: its own running count, its own idempotency key.
 *
 * <p>The record key is the first event's load key and every event's key hashes to the same partition (ingest-api
 * slices a batch by the partition each key hashes to; counter-streams sends a slice that breaks this to the
 * dead-letter topic).
 *
 * @param batch      the batch's id: every slice of one batch carries it, and so does each slice's ack
 * @param receivedAt epoch milliseconds at which ingest-api accepted the batch
 * @param client     who sent it (API key name, or remote address when keys are off); may be null
 * @param positions  each event's index in the batch, in the order of {@code events}: how the acks of a batch's
 *                   slices are put back together
 * @param events     the events, in the order the client sent them
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EventSlice(String batch, long receivedAt, String client, List<Integer> positions, List<Item> events)
        implements EventRecord {

    /**
     * One event of a slice.
     *
     * @param idempotencyKey the client's idempotency key for this event, already scoped to the client; null when none
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Item(String key, String idempotencyKey) {
        public Item {
            Objects.requireNonNull(key, "key");
        }
    }

    public EventSlice {
        Objects.requireNonNull(batch, "batch");
        positions = List.copyOf(positions);
        events = List.copyOf(events);
        if (events.isEmpty()) {
            throw new IllegalArgumentException("a slice holds at least one event");
        }
        if (positions.size() != events.size()) {
            throw new IllegalArgumentException("a slice has one position per event, but " + positions.size()
                    + " positions for " + events.size() + " events");
        }
        Set<Integer> seen = new HashSet<>();
        for (int position : positions) {
            if (position < 0 || !seen.add(position)) {
                throw new IllegalArgumentException("positions should be distinct and at least 0: " + positions);
            }
        }
    }

    @Override
    public String recordKey() {
        return events.get(0).key();
    }

    @Override
    public int size() {
        return events.size();
    }

    /**
     * Slices events (at {@code positions} of batch {@code batch}) by the partition of a topic with {@code partitions}
     * partitions that each event's load key hashes to ({@link LoadKey#partition}): one slice per partition that holds
     * any, the events in their given order, slices in the order of their first event. ingest-api slices a batch this
     * way; counter-streams slices a late slice again for the next generation of the count path.
     */
    public static List<EventSlice> byPartition(String batch, long receivedAt, String client, List<Integer> positions,
                                               List<Item> events, int partitions) {
        Map<Integer, List<Integer>> slicePositions = new LinkedHashMap<>();
        Map<Integer, List<Item>> sliceEvents = new LinkedHashMap<>();
        for (int i = 0; i < events.size(); i++) {
            int partition = LoadKey.partition(events.get(i).key(), partitions);
            slicePositions.computeIfAbsent(partition, p -> new ArrayList<>()).add(positions.get(i));
            sliceEvents.computeIfAbsent(partition, p -> new ArrayList<>()).add(events.get(i));
        }
        List<EventSlice> slices = new ArrayList<>(sliceEvents.size());
        sliceEvents.forEach((partition, items) -> slices.add(new EventSlice(batch, receivedAt, client,
                slicePositions.get(partition), items)));
        return slices;
    }

    /** The id of the event at {@code index} of this slice, as the client is told it: batch id and position. */
    public String eventId(int index) {
        return idOf(batch, positions.get(index));
    }

    /** The id of the event at {@code position} of batch {@code batch}. */
    public static String idOf(String batch, int position) {
        return batch + ":" + position;
    }
}
