package dev.surge.stack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatusTableTest {
    @Test
    void shouldShowPartitionsAsRanges() {
        assertThat(StatusTable.ranges(List.of(0, 1, 2, 5, 7, 8))).isEqualTo("0-2,5,7-8");
        assertThat(StatusTable.ranges(List.of(3))).isEqualTo("3");
        assertThat(StatusTable.ranges(List.of())).isEqualTo("-");
    }
}
