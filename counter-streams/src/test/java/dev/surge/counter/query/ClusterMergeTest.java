package dev.surge.counter.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterMergeTest {
    private static PartialLoad part(Set<Integer> partitions, long total, List<KeyCount> top, List<KeyCount> matches) {
        return new PartialLoad(partitions, total, top.size(), new Recent(1, 2, 3), top, matches);
    }

    @Test
    void shouldAddInstancesThatCoverEveryPartitionOnce() {
        ClusterLoad load = LoadQueries.merge(List.of(
                part(Set.of(0, 1), 10, List.of(new KeyCount("a", 7), new KeyCount("b", 3)), List.of(new KeyCount("b", 3))),
                part(Set.of(2, 3), 5, List.of(new KeyCount("c", 5)), List.of(new KeyCount("ba", 5)))), 4, "b", 10);

        assertThat(load.total()).isEqualTo(15);
        assertThat(load.keys()).isEqualTo(3);
        assertThat(load.recent()).isEqualTo(new Recent(2, 4, 6));
        assertThat(load.top()).extracting(KeyCount::key).containsExactly("a", "c", "b");
        assertThat(load.matches()).extracting(KeyCount::key).containsExactly("b", "ba");
        assertThat(load.instances()).isEqualTo(2);
    }

    @Test
    void shouldRefuseToAnswerWhileAPartitionHasNoActiveOwner() {
        assertThatThrownBy(() -> LoadQueries.merge(List.of(part(Set.of(0, 1), 10, List.of(), List.of())), 4, null, 10))
                .isInstanceOf(LoadUnavailableException.class)
                .hasMessageContaining("Only 2 of 4 partitions");
    }

    @Test
    void shouldRefuseToAnswerWhenTwoInstancesClaimOnePartition() {
        assertThatThrownBy(() -> LoadQueries.merge(List.of(
                part(Set.of(0, 1), 10, List.of(), List.of()),
                part(Set.of(1, 2, 3), 5, List.of(), List.of())), 4, null, 10))
                .isInstanceOf(LoadUnavailableException.class)
                .hasMessageContaining("Partition 1 is owned twice");
    }
}
