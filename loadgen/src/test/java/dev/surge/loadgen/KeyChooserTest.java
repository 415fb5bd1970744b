package dev.surge.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class KeyChooserTest {
    private static final int DRAWS = 200_000;

    private static long[] draw(KeyChooser chooser) {
        long[] counts = new long[chooser.keys()];
        for (int i = 0; i < DRAWS; i++) {
            counts[chooser.next()]++;
        }
        return counts;
    }

    @Test
    void shouldSpreadUniformlyOverTheKeys() {
        long[] counts = draw(new KeyChooser(10, 0, 42));

        for (long count : counts) {
            assertThat(count / (double) DRAWS).isCloseTo(0.1, within(0.005));
        }
    }

    @Test
    void shouldSkewTowardsTheFirstKeysAsZipfSays() {
        int keys = 1000;
        double s = 1.1;
        double harmonic = 0;
        for (int i = 1; i <= keys; i++) {
            harmonic += 1 / Math.pow(i, s);
        }
        long[] counts = draw(new KeyChooser(keys, s, 42));

        for (int rank : new int[] {1, 2, 3, 10}) {
            double expected = 1 / Math.pow(rank, s) / harmonic;
            assertThat(counts[rank - 1] / (double) DRAWS).as("key of rank %d", rank)
                    .isCloseTo(expected, within(expected * 0.05));
        }
        assertThat(counts[0]).isGreaterThan(counts[1]).isGreaterThan(counts[9] * 10);
        long tail = 0;
        for (int i = 500; i < keys; i++) {
            tail += counts[i];
        }
        assertThat(tail).as("the cold half still gets events").isPositive();
    }

    @Test
    void shouldDrawTheSameKeysForTheSameSeed() {
        KeyChooser first = new KeyChooser(1000, 1.1, 7);
        KeyChooser second = new KeyChooser(1000, 1.1, 7);
        for (int i = 0; i < 1000; i++) {
            assertThat(first.next()).isEqualTo(second.next());
        }
    }

    @Test
    void shouldRefuseNoKeysAndNegativeExponents() {
        assertThatThrownBy(() -> new KeyChooser(0, 0, 1)).hasMessage("keys must be at least 1, not 0");
        assertThatThrownBy(() -> new KeyChooser(10, -1, 1)).hasMessageContaining("Zipf exponent");
    }
}
