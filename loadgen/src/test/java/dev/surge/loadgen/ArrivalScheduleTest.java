package dev.surge.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The due times of each phase: how many, where, and per second the rate the phase asks for. */
class ArrivalScheduleTest {
    /** Due times (seconds into the phase) of every arrival, as {@link SpikeRun} computes them. */
    private static List<Double> dueTimes(Phase phase) {
        List<Double> due = new ArrayList<>();
        for (long k = 0; k < phase.arrivals(); k++) {
            due.add(phase.timeOf(k));
        }
        return due;
    }

    private static long[] perSecond(Phase phase) {
        long[] counts = new long[(int) Math.ceil(phase.seconds())];
        dueTimes(phase).forEach(t -> counts[(int) Math.floor(t)]++);
        return counts;
    }

    @Test
    void shouldScheduleRateTimesDurationArrivalsPerPhase() {
        Profile profile = Profile.parse("500/s for 10s, ramp 100/s to 5000/s over 30s, "
                + "square 200/s/2000/s period 10s for 60s, 0/s for 5s, 3/s for 250ms");

        assertThat(profile.phases()).extracting(Phase::arrivals)
                .containsExactly(5_000L, 76_500L, 66_000L, 0L, 1L);
        for (Phase phase : profile.phases()) {
            List<Double> due = dueTimes(phase);
            assertThat(due).isSorted();
            assertThat(due).allSatisfy(t -> assertThat(t).isGreaterThanOrEqualTo(0).isLessThan(phase.seconds()));
        }
    }

    @Test
    void shouldOfferEachSecondTheRateThePhaseAsksForThen() {
        assertThat(perSecond(Profile.parse("500/s for 4s").phases().get(0))).containsOnly(500);
        // ramp 100/s -> 5,000/s over 30 s: second i gets the ramp's integral over [i, i + 1]
        long[] ramp = perSecond(Profile.parse("ramp 100/s to 5000/s over 30s").phases().get(0));
        for (int i = 0; i < 30; i++) {
            double expected = 100 + (5000 - 100) * (i + 0.5) / 30;
            assertThat((double) ramp[i]).as("second %d", i).isCloseTo(expected, within(1.0));
        }
        // square: 200/s for 5 s, 2,000/s for 5 s, again
        long[] square = perSecond(Profile.parse("square 200/s/2000/s period 10s for 20s").phases().get(0));
        assertThat(square).containsExactly(200, 200, 200, 200, 200, 2000, 2000, 2000, 2000, 2000,
                200, 200, 200, 200, 200, 2000, 2000, 2000, 2000, 2000);
        long[] down = perSecond(Profile.parse("ramp 3000/s to 0/s over 3s").phases().get(0));
        assertThat(down).containsExactly(2500, 1500, 500);
    }

    @Test
    void shouldScaleArrivalsForBatchesSoThatEventsStayAtTheRate() {
        Profile events = Profile.parse("1000/s for 2s, ramp 0/s to 1000/s over 2s");
        Profile batches = events.scaled(1.0 / 100);

        assertThat(batches.phases()).extracting(Phase::arrivals).containsExactly(20L, 10L);
    }
}
