package dev.surge.loadgen;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A load profile: phases one after the other, each with its own arrival rate. Bounded so that a typo cannot start a
 * run of hours or of billions of events: {@link #MAX_DURATION} in all, {@link #MAX_EVENTS} events in all.
 */
public record Profile(List<Phase> phases) {
    public static final Duration MAX_DURATION = Duration.ofMinutes(30);
    public static final long MAX_EVENTS = 10_000_000;
    public static final double MAX_RATE = 200_000;

    public Profile {
        phases = List.copyOf(phases);
        if (phases.isEmpty()) {
            throw new IllegalArgumentException("a profile needs at least one phase");
        }
    }

    /** Parses the profile grammar (see {@link ProfileParser}). */
    public static Profile parse(String spec) {
        return ProfileParser.parse(spec);
    }

    public Duration duration() {
        return phases.stream().map(Phase::duration).reduce(Duration.ZERO, Duration::plus);
    }

    /** Events the profile offers in all (the sum of each phase's arrivals). */
    public long events() {
        return phases.stream().mapToLong(Phase::arrivals).sum();
    }

    /** This profile with every rate multiplied by {@code factor}. */
    public Profile scaled(double factor) {
        return new Profile(phases.stream().map(p -> p.scaled(factor)).toList());
    }

    public String spec() {
        return phases.stream().map(Phase::spec).collect(Collectors.joining(", "));
    }
}
