package dev.surge.loadgen;

import java.time.Duration;

/**
 * One part of a load profile: how many arrivals per second it asks for at each moment. A phase knows its cumulative
 * arrivals {@code N(t)} and the inverse, so the arrival schedule is exact (event k is due when {@code N(t) = k}) and
 * does not drift with rounding.
 */
public sealed interface Phase {
    /** The phase as the profile grammar writes it, e.g. {@code 500/s for 10s}. */
    String spec();

    Duration duration();

    /** Arrivals per second at {@code t} seconds into the phase. */
    double rateAt(double t);

    /** Arrivals due from the phase's start up to {@code t} seconds into it. */
    double arrivalsUntil(double t);

    /** The moment (seconds into the phase) when {@code arrivalsUntil} reaches {@code n}. */
    double timeOf(double n);

    /** This phase with every rate multiplied by {@code factor} (a batch of N events is one arrival: 1/N). */
    Phase scaled(double factor);

    default double seconds() {
        return duration().toNanos() / 1e9;
    }

    /** Whole arrivals in the phase: the events at cumulative counts 0, 1, ..., arrivals() - 1. */
    default long arrivals() {
        return (long) Math.ceil(arrivalsUntil(seconds()) - 1e-9);
    }

    /** A constant rate: a hold, or a step when the phase before had another rate. */
    record Hold(double rate, Duration duration) implements Phase {
        @Override
        public String spec() {
            return Rates.format(rate) + " for " + Rates.format(duration);
        }

        @Override
        public double rateAt(double t) {
            return rate;
        }

        @Override
        public double arrivalsUntil(double t) {
            return rate * t;
        }

        @Override
        public double timeOf(double n) {
            return n / rate;
        }

        @Override
        public Phase scaled(double factor) {
            return new Hold(rate * factor, duration);
        }
    }

    /** A linear change from one rate to another. */
    record Ramp(double from, double to, Duration duration) implements Phase {
        @Override
        public String spec() {
            return "ramp " + Rates.format(from) + " to " + Rates.format(to) + " over " + Rates.format(duration);
        }

        private double slope() {
            return (to - from) / seconds();
        }

        @Override
        public double rateAt(double t) {
            return from + slope() * t;
        }

        @Override
        public double arrivalsUntil(double t) {
            return from * t + slope() * t * t / 2;
        }

        @Override
        public double timeOf(double n) {
            double a = slope();
            if (Math.abs(a) < 1e-12) {
                return n / from;
            }
            // a/2 t^2 + from t - n = 0, the root in the phase; written to stay exact when from^2 >> 2 a n
            double root = Math.sqrt(Math.max(0, from * from + 2 * a * n));
            return 2 * n / (from + root);
        }

        @Override
        public Phase scaled(double factor) {
            return new Ramp(from * factor, to * factor, duration);
        }
    }

    /** A square wave starting low: {@code low} for half a period, {@code high} for the other half, repeated. */
    record Square(double low, double high, Duration period, Duration duration) implements Phase {
        @Override
        public String spec() {
            return "square " + Rates.format(low) + "/" + Rates.format(high) + " period " + Rates.format(period)
                    + " for " + Rates.format(duration);
        }

        private double half() {
            return period.toNanos() / 2e9;
        }

        private double perPeriod() {
            return (low + high) * half();
        }

        @Override
        public double rateAt(double t) {
            double inPeriod = t % (2 * half());
            return inPeriod < half() ? low : high;
        }

        @Override
        public double arrivalsUntil(double t) {
            double periods = Math.floor(t / (2 * half()));
            double rest = t - periods * 2 * half();
            double inRest = rest <= half() ? low * rest : low * half() + high * (rest - half());
            return periods * perPeriod() + inRest;
        }

        @Override
        public double timeOf(double n) {
            double periods = Math.floor(n / perPeriod());
            double rest = n - periods * perPeriod();
            double lowPart = low * half();
            double inRest = rest <= lowPart && low > 0 ? rest / low : half() + (rest - lowPart) / high;
            return periods * 2 * half() + inRest;
        }

        @Override
        public Phase scaled(double factor) {
            return new Square(low * factor, high * factor, period, duration);
        }
    }
}
