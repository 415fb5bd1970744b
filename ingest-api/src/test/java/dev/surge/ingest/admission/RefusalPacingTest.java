package dev.surge.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RefusalPacingTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RefusalPacing pacing = new RefusalPacing(now::get, registry);

    private void admit(int requests, Duration over) {
        for (int i = 0; i < requests; i++) {
            pacing.admitted();
        }
        now.addAndGet(over.toNanos());
    }

    private void pause(int connections) {
        for (int i = 0; i < connections; i++) {
            pacing.paused();
        }
    }

    @Test
    void shouldPauseTheShortestWhileNoAdmissionRateIsKnown() {
        pause(10_000);

        assertThat(pacing.pause()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void shouldPauseLongEnoughThatAboutOneRefusalIsReadForEveryTwoAdmissions() {
        admit(2_000, Duration.ofSeconds(1));
        pacing.pause(); // the second is over: 2,000 admitted per second
        pause(3_000);

        // 3,001 connections to read again at 1,000 a second: 3.001 s, told in whole seconds
        assertThat(pacing.pause()).isEqualTo(Duration.ofSeconds(4));
        assertThat(registry.get("surge.admission.retry.after").gauge().value()).isEqualTo(4);
        assertThat(registry.get("surge.admission.paused.connections").gauge().value()).isEqualTo(3_000);
    }

    @Test
    void shouldKeepThePauseBetweenOneAndFiveSeconds() {
        admit(10_000, Duration.ofSeconds(1));
        pacing.pause();

        assertThat(pacing.pause()).isEqualTo(Duration.ofSeconds(1));
        pause(100_000);
        assertThat(pacing.pause()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void shouldShortenThePauseAsConnectionsResume() {
        admit(1_000, Duration.ofSeconds(1));
        pacing.pause();
        pause(1_999);
        assertThat(pacing.pause()).isEqualTo(Duration.ofSeconds(4));

        for (int i = 0; i < 1_500; i++) {
            pacing.resumed();
        }

        assertThat(pacing.pausedConnections()).isEqualTo(499);
        assertThat(pacing.pause()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void shouldMeasureTheRateOverTheLastSecondOnly() {
        admit(1_000, Duration.ofSeconds(1));
        pacing.pause();
        admit(100, Duration.ofSeconds(1));
        pause(200);

        // 201 connections at 50 a second (100 admitted in the last second): 4.02 s -> 5 s
        assertThat(pacing.pause()).isEqualTo(Duration.ofSeconds(5));
    }
}
