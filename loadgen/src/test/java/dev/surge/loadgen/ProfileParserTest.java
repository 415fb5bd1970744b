package dev.surge.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProfileParserTest {
    @Test
    void shouldReadStepsAndHolds() {
        Profile profile = Profile.parse("500/s for 10s, 5000/s for 20s, 500/s for 20s");

        assertThat(profile.phases()).containsExactly(new Phase.Hold(500, Duration.ofSeconds(10)),
                new Phase.Hold(5000, Duration.ofSeconds(20)), new Phase.Hold(500, Duration.ofSeconds(20)));
        assertThat(profile.duration()).isEqualTo(Duration.ofSeconds(50));
        assertThat(profile.events()).isEqualTo(5_000 + 100_000 + 10_000);
    }

    @Test
    void shouldReadRampsSquareWavesUnitsAndDecimals() {
        Profile profile = Profile.parse("ramp 100/s to 5000/s over 30s,square 200/s/2000/s period 10s for 60s , "
                + " 2.5/s  for 1.5m, 0/s for 250ms");

        assertThat(profile.phases()).containsExactly(new Phase.Ramp(100, 5000, Duration.ofSeconds(30)),
                new Phase.Square(200, 2000, Duration.ofSeconds(10), Duration.ofSeconds(60)),
                new Phase.Hold(2.5, Duration.ofSeconds(90)), new Phase.Hold(0, Duration.ofMillis(250)));
        assertThat(profile.spec()).isEqualTo("ramp 100/s to 5000/s over 30s, square 200/s/2000/s period 10s for "
                + "60s, 2.50/s for 90s, 0/s for 250ms");
        assertThat(Profile.parse(profile.spec())).isEqualTo(profile);
    }

    @Test
    void shouldNameTheBadPhaseAndWhatIsWrongWithIt() {
        assertThatThrownBy(() -> Profile.parse("500/s for 10s, 5000/s for 20"))
                .isInstanceOf(ProfileException.class)
                .hasMessage("phase 2 '5000/s for 20': duration '20' needs a number and a unit: ms, s or m (like 20s)");
        assertThatThrownBy(() -> Profile.parse("500 for 10s"))
                .hasMessage("phase 1 '500 for 10s': rate '500' is not a number of events per second like 500/s");
        assertThatThrownBy(() -> Profile.parse("500/s for 10s, ramp 1/s 2/s over 3s"))
                .hasMessageStartingWith("phase 2 'ramp 1/s 2/s over 3s' is not a phase: expected 'RATE for "
                        + "DURATION', 'ramp RATE to RATE over DURATION' or 'square RATE/RATE period DURATION for "
                        + "DURATION'");
        assertThatThrownBy(() -> Profile.parse("500/s for 10s,"))
                .hasMessage("phase 2 '' is empty (two commas in a row, or one at the end?)");
        assertThatThrownBy(() -> Profile.parse("square 1/s/2/s period 1ms for 1s"))
                .hasMessageContaining("the period must be at least 2ms");
        assertThatThrownBy(() -> Profile.parse("  ")).hasMessageStartingWith("the profile is empty");
        assertThatThrownBy(() -> Profile.parse("500/s during 10s"))
                .hasMessageStartingWith("phase 1 '500/s during 10s' is not a phase");
    }

    @Test
    void shouldRefuseProfilesOverTheBounds() {
        assertThatThrownBy(() -> Profile.parse("10/s for 20m, 10/s for 11m"))
                .hasMessage("the profile lasts 1860s, longer than the 1800s a run may take: shorten it");
        assertThatThrownBy(() -> Profile.parse("10/s for 31m")).hasMessageContaining("longer than the 1800s");
        assertThatThrownBy(() -> Profile.parse("100000/s for 101s"))
                .hasMessage("the profile offers 10,100,000 events, more than the 10,000,000 a run may send: lower a "
                        + "rate or a duration");
        assertThatThrownBy(() -> Profile.parse("300000/s for 1s"))
                .hasMessageContaining("rate '300000/s' is over the 200000/s a run may ask for");
    }
}
