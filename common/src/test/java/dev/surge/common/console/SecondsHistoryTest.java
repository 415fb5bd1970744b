package dev.surge.common.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SecondsHistoryTest {
    private static ConsoleStats.Second second(long t, long events) {
        return new ConsoleStats.Second(t, events, Map.of(), null, null);
    }

    @Test
    void shouldSampleEachWholeSecondThatEnded() {
        AtomicLong calls = new AtomicLong();
        try (SecondsHistory history = SecondsHistory.start("test-seconds", Clock.systemUTC(),
                t -> second(t, calls.incrementAndGet()))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> history.seconds().size() >= 2);

            List<ConsoleStats.Second> seconds = history.seconds();
            long now = System.currentTimeMillis() / 1_000;
            assertThat(seconds.get(1).t()).isEqualTo(seconds.get(0).t() + 1);
            assertThat(seconds.get(seconds.size() - 1).t()).isLessThan(now).isGreaterThanOrEqualTo(now - 3);
            assertThat(seconds.get(0).events()).isEqualTo(1);
        }
    }

    @Test
    void shouldKeepTheLastFiveMinutesOnly() {
        try (SecondsHistory history = SecondsHistory.start("test-seconds", Clock.systemUTC(), t -> second(t, 0))) {
            for (long t = 0; t < SecondsHistory.KEPT + 10; t++) {
                history.add(second(1_000_000 + t, t));
            }

            List<ConsoleStats.Second> seconds = history.seconds();
            assertThat(seconds).hasSizeLessThanOrEqualTo(SecondsHistory.KEPT);
            assertThat(seconds.get(seconds.size() - 1).events()).isGreaterThanOrEqualTo(SecondsHistory.KEPT + 9);
        }
    }
}
