package dev.surge.common.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class IncreaseTest {
    @Test
    void shouldCountANewCounterFromZero() {
        Increase increase = new Increase(true);

        assertThat(increase.next(Map.of("counted", 5.0))).containsExactlyEntriesOf(Map.of("counted", 5L));
        assertThat(increase.next(Map.of("counted", 8.0, "accepted", 2.0)))
                .containsExactlyInAnyOrderEntriesOf(Map.of("counted", 3L, "accepted", 2L));
        assertThat(increase.next(Map.of("counted", 8.0, "accepted", 2.0))).isEmpty();
    }

    @Test
    void shouldCountANewlySeenTotalOnlyFromItsFirstSight() {
        Increase increase = new Increase(false);

        // a partition that moved here with 1,000 events counted elsewhere: none of them were counted here
        assertThat(increase.next(Map.of("1/3", 1_000.0))).isEmpty();
        assertThat(increase.next(Map.of("1/3", 1_040.0))).containsExactlyEntriesOf(Map.of("1/3", 40L));
        // it moved away and came back lower (another instance's copy): nothing negative
        assertThat(increase.next(Map.of())).isEmpty();
        assertThat(increase.next(Map.of("1/3", 900.0))).isEmpty();
    }
}
