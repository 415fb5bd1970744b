package dev.surge.loadgen;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The profile grammar, phases separated by commas:
 *
 * <pre>
 *   RATE for DURATION                              a hold (a step when the rate differs from the phase before)
 *   ramp RATE to RATE over DURATION                a linear ramp
 *   square RATE/RATE period DURATION for DURATION  a square wave: the first rate for half a period, the second for
 *                                                  the other half, repeated
 *   RATE      = NUMBER/s (events per second; NUMBER may have decimals), e.g. 500/s
 *   DURATION  = NUMBER followed by ms, s or m, e.g. 250ms, 20s, 2m
 * </pre>
 *
 * e.g. {@code 500/s for 10s, ramp 500/s to 5000/s over 30s, square 200/s/2000/s period 10s for 60s}. A bad phase
 * is refused with a message that names it and says what was expected.
 */
public final class ProfileParser {
    private static final String RATE = "(\\S+?)";
    private static final String DURATION = "(\\S+)";
    private static final Pattern HOLD = Pattern.compile(RATE + "\\s+for\\s+" + DURATION);
    private static final Pattern RAMP = Pattern.compile("ramp\\s+" + RATE + "\\s+to\\s+" + RATE + "\\s+over\\s+"
            + DURATION);
    private static final Pattern SQUARE = Pattern.compile("square\\s+(\\S+?/s)\\s*/\\s*(\\S+?/s)\\s+period\\s+"
            + DURATION + "\\s+for\\s+" + DURATION);
    private static final Pattern NUMBER = Pattern.compile("\\d+(\\.\\d+)?");
    static final String GRAMMAR = "'RATE for DURATION', 'ramp RATE to RATE over DURATION' or "
            + "'square RATE/RATE period DURATION for DURATION' (RATE like 500/s, DURATION like 250ms, 20s, 2m)";

    private ProfileParser() {
    }

    /** @throws ProfileException naming the bad phase and what is wrong with it */
    public static Profile parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new ProfileException("the profile is empty: give phases like " + GRAMMAR);
        }
        String[] parts = spec.split(",", -1);
        List<Phase> phases = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            String text = parts[i].trim().replaceAll("\\s+", " ");
            String where = "phase " + (i + 1) + " '" + text + "'";
            if (text.isEmpty()) {
                throw new ProfileException(where + " is empty (two commas in a row, or one at the end?)");
            }
            phases.add(phase(text.toLowerCase(Locale.ROOT), where));
        }
        Profile profile = new Profile(phases);
        if (profile.duration().compareTo(Profile.MAX_DURATION) > 0) {
            throw new ProfileException("the profile lasts " + Rates.format(profile.duration()) + ", longer than the "
                    + Rates.format(Profile.MAX_DURATION) + " a run may take: shorten it");
        }
        if (profile.events() > Profile.MAX_EVENTS) {
            throw new ProfileException(String.format(Locale.ROOT, "the profile offers %,d events, more than the "
                    + "%,d a run may send: lower a rate or a duration", profile.events(), Profile.MAX_EVENTS));
        }
        return profile;
    }

    private static Phase phase(String text, String where) {
        Matcher m;
        if ((m = RAMP.matcher(text)).matches()) {
            double from = rate(m.group(1), where);
            double to = rate(m.group(2), where);
            Duration over = duration(m.group(3), where);
            if (from == 0 && to == 0) {
                throw new ProfileException(where + ": a ramp from 0/s to 0/s sends nothing; use '0/s for "
                        + m.group(3) + "' for a pause");
            }
            return new Phase.Ramp(from, to, over);
        }
        if ((m = SQUARE.matcher(text)).matches()) {
            double low = rate(m.group(1), where);
            double high = rate(m.group(2), where);
            Duration period = duration(m.group(3), where);
            Duration length = duration(m.group(4), where);
            if (low + high == 0) {
                throw new ProfileException(where + ": a square wave between 0/s and 0/s sends nothing");
            }
            if (period.toMillis() < 2) {
                throw new ProfileException(where + ": the period must be at least 2ms");
            }
            return new Phase.Square(low, high, period, length);
        }
        if (text.startsWith("ramp") || text.startsWith("square")) {
            throw new ProfileException(where + " is not a phase: expected " + GRAMMAR);
        }
        if ((m = HOLD.matcher(text)).matches()) {
            return new Phase.Hold(rate(m.group(1), where), duration(m.group(2), where));
        }
        throw new ProfileException(where + " is not a phase: expected " + GRAMMAR);
    }

    private static double rate(String text, String where) {
        if (!text.endsWith("/s") || !NUMBER.matcher(text.substring(0, text.length() - 2)).matches()) {
            throw new ProfileException(where + ": rate '" + text + "' is not a number of events per second like "
                    + "500/s");
        }
        double rate = Double.parseDouble(text.substring(0, text.length() - 2));
        if (rate > Profile.MAX_RATE) {
            throw new ProfileException(where + ": rate '" + text + "' is over the " + Rates.format(Profile.MAX_RATE)
                    + " a run may ask for");
        }
        return rate;
    }

    static Duration duration(String text, String where) {
        Matcher m = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)").matcher(text);
        if (!m.matches()) {
            throw new ProfileException(where + ": duration '" + text + "' needs a number and a unit: ms, s or m "
                    + "(like 20s)");
        }
        double value = Double.parseDouble(m.group(1));
        double millis = switch (m.group(2)) {
            case "ms" -> value;
            case "s" -> value * 1000;
            default -> value * 60_000;
        };
        if (millis < 1) {
            throw new ProfileException(where + ": duration '" + text + "' must be at least 1ms");
        }
        if (millis > Profile.MAX_DURATION.toMillis()) {
            throw new ProfileException(where + ": duration '" + text + "' is longer than the "
                    + Rates.format(Profile.MAX_DURATION) + " a run may take");
        }
        return Duration.ofMillis(Math.round(millis));
    }
}
