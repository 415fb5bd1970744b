package dev.surge.common.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/**
 * The counts of one {@link EventSlice}, written by counter-streams to {@code load-acks} in the same transaction as
 * the counts themselves: exactly one per slice.
 *
 * @param batch      the slice's batch id
 * @param positions  the slice's positions in the batch, in the slice's order
 * @param counts     each event's running count, in the same order (for a duplicate, the first attempt's count)
 * @param duplicates the positions whose event repeated an idempotency key seen within the retention, and so was not
 *                   counted again; empty (and left out of the JSON) when none did
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record SliceAck(String batch, List<Integer> positions, List<Long> counts, List<Integer> duplicates)
        implements AckRecord {
    public SliceAck {
        Objects.requireNonNull(batch, "batch");
        positions = List.copyOf(positions);
        counts = List.copyOf(counts);
        duplicates = duplicates == null ? List.of() : List.copyOf(duplicates);
        if (positions.isEmpty() || positions.size() != counts.size()) {
            throw new IllegalArgumentException("a slice ack has one count per position, but " + counts.size()
                    + " counts for " + positions.size() + " positions");
        }
        for (long count : counts) {
            if (count < 1) {
                throw new IllegalArgumentException("counts should be at least 1 but one was " + count);
            }
        }
    }
}
