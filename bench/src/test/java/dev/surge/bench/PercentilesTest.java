package dev.surge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

class PercentilesTest {
    @Test
    void nearestRank() {
        long[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(Percentiles.pct(v, 50)).isEqualTo(5);
        assertThat(Percentiles.pct(v, 99)).isEqualTo(10);
        assertThat(Percentiles.pct(v, 10)).isEqualTo(1);
        assertThat(Percentiles.pct(v, 0)).isEqualTo(1);
        assertThat(Percentiles.pct(new long[0], 99)).isZero();
    }

    @Test
    void sum() {
        assertThat(Percentiles.sum(new AtomicLongArray(new long[] {1, 2, 3}))).isEqualTo(6);
    }
}
