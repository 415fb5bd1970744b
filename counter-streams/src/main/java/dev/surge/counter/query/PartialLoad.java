package dev.surge.counter.query;

import java.util.List;
import java.util.Set;

/**
 * What one instance knows from the partitions it actively owns: the pieces {@code GET /load} adds up. Standby
 * replicas never contribute, so no count is added twice.
 *
 * @param partitions the {@code load-events} partitions this answer covers
 * @param top        this instance's busiest keys
 * @param matches    keys starting with the requested prefix, in key order (empty without a prefix)
 */
public record PartialLoad(Set<Integer> partitions, long total, long keys, Recent recent, List<KeyCount> top,
                          List<KeyCount> matches) {
}
