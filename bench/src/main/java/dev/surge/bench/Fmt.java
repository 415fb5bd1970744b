package dev.surge.bench;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Number formats of the report, rounding as C's printf (and so awk, which run.sh used before) does: the exact binary
 * value to the nearest, ties to even.
 */
final class Fmt {
    private Fmt() {
    }

    /** {@code value} with {@code digits} decimals, as printf("%.Nf"). */
    static String fixed(double value, int digits) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "n/a";
        }
        String s = new BigDecimal(value).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
        return s.equals("-0") || s.matches("-0\\.0*") ? s.substring(1) : s;
    }

    /** Microseconds as milliseconds with one decimal. */
    static String ms(double micros) {
        return fixed(micros / 1000, 1);
    }

    /** a / b with 3 decimals below 0.1, else 2; "n/a" when b <= 0. */
    static String ratio(double a, double b) {
        if (b <= 0) {
            return "n/a";
        }
        double r = a / b;
        return r < 0.1 ? fixed(r, 3) : fixed(r, 2);
    }

    /** Whether a formatted value meets "COMPARATOR THRESHOLD" (compared as printed, as the report shows it). */
    static boolean meets(String formatted, String comparator, String threshold) {
        if (formatted == null || formatted.equals("n/a") || formatted.isEmpty()) {
            return false;
        }
        double v = Double.parseDouble(formatted);
        double t = Double.parseDouble(threshold);
        return switch (comparator) {
            case ">=" -> v >= t;
            case "<=" -> v <= t;
            default -> throw new IllegalArgumentException("comparator " + comparator + ": >= or <=");
        };
    }

    static String verdict(String formatted, String comparator, String threshold) {
        return meets(formatted, comparator, threshold) ? "met" : "NOT met";
    }
}
