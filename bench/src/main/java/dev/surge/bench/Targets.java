package dev.surge.bench;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** bench/targets.json: the ratio rows of the report and the targets they are held to (see the file's comment). */
@JsonIgnoreProperties(ignoreUnknown = true)
record Targets(List<Ratio> summary, Overload overload, List<Ratio> batch) {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z0-9_]+)}");

    static Targets read(Path file) throws IOException {
        Targets t = new ObjectMapper().readValue(file.toFile(), Targets.class);
        for (Ratio r : t.summary()) {
            r.check();
        }
        for (Ratio r : t.batch()) {
            r.check();
        }
        return t;
    }

    /** What to print when a quantity is not measured. */
    record Missing(String label, String target) {
    }

    /** A target: comparator (>= or <=) and threshold as printed. */
    record Goal(String comparator, String threshold) {
        String verdict(String value) {
            return Fmt.verdict(value, comparator, threshold);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Overload(int issue, Goal retry, Goal honour) {
        Goal of(String clients) {
            return clients.equals("honour") ? honour : retry;
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Ratio(String label, String value, String unit, String comparator, String threshold, Integer issue,
                 String note, Missing missing) {
        void check() {
            if (comparator != null) {
                Fmt.meets("0", comparator, threshold); // refuses an unknown comparator or a threshold not a number
            }
            if (!"x".equals(unit) && !"ms".equals(unit)) {
                throw new IllegalArgumentException("unit x or ms: " + this);
            }
        }

        /**
         * The row "| label | value | target |" given the run's quantities (formatted as printed; absent when not
         * measured).
         */
        String row(Map<String, String> quantities) {
            Optional<String> v = value(quantities);
            if (v.isEmpty() && missing != null) {
                return "| " + fill(missing.label(), quantities) + " | n/a | "
                        + (comparator == null ? "" : target() + ": ") + missing.target() + " |";
            }
            String shown = v.orElse("n/a");
            String cell = shown + (shown.equals("n/a") ? "" : unit.equals("x") ? "x" : " ms");
            String target = comparator != null ? target() + ": " + Fmt.verdict(shown, comparator, threshold)
                    : note != null ? note : "";
            return "| " + fill(label, quantities) + " | " + cell + " | " + target + " |";
        }

        /** "&gt;= 0.35x", "&lt;= 50 ms". */
        String target() {
            return comparator + " " + threshold + (unit.equals("x") ? "x" : " " + unit);
        }

        /** The value as printed: a ratio of two quantities, or one quantity; empty when one is not measured. */
        Optional<String> value(Map<String, String> quantities) {
            String[] parts = value.split("\\s*/\\s*");
            if (parts.length == 2) {
                String a = quantities.get(parts[0].trim());
                String b = quantities.get(parts[1].trim());
                if (a == null || b == null) {
                    return Optional.empty();
                }
                return Optional.of(Fmt.ratio(Double.parseDouble(a), Double.parseDouble(b)));
            }
            return Optional.ofNullable(quantities.get(value.trim()));
        }

        /** Whether the row has a target and misses it (or could not be measured). */
        boolean missed(Map<String, String> quantities) {
            return comparator != null && !Fmt.meets(value(quantities).orElse("n/a"), comparator, threshold);
        }
    }

    /** {name} placeholders replaced by the quantity, "?" when it was not measured. */
    static String fill(String text, Map<String, String> quantities) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(quantities.getOrDefault(m.group(1), "?")));
        }
        return m.appendTail(b).toString();
    }
}
