package dev.surge.deploy;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression (or a Grafana template query) reads. Not a parser: it blanks out what cannot
 * be a metric name (strings, label matchers, ranges, grouping labels, Grafana variables), then keeps each identifier
 * that is neither a keyword nor followed by {@code (} (a function or an aggregation).
 */
final class PromQl {
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern LABEL_MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING = Pattern.compile(
            "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern TOKEN = Pattern.compile(
            "\\$\\{?[A-Za-z0-9_:]+}?|[0-9][0-9A-Za-z_.]*|[A-Za-z_:][A-Za-z0-9_:]*|\\S");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\)\\s*$",
            Pattern.DOTALL);
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "inf", "nan", "atan2");

    private PromQl() {
    }

    static Set<String> metricNames(String expression) {
        if (expression.contains("__name__")) {
            throw new IllegalArgumentException("Selecting metrics by __name__ hides which metric is read: " + expression);
        }
        Matcher labelValues = LABEL_VALUES.matcher(expression);
        String query = labelValues.matches() ? labelValues.group(1) : expression;
        if (query.matches("^\\s*label_values\\(\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\)\\s*$")) {
            return Set.of(); // label_values(label): no metric
        }
        String blanked = STRING.matcher(query).replaceAll(" ");
        blanked = LABEL_MATCHERS.matcher(blanked).replaceAll(" ");
        blanked = RANGE.matcher(blanked).replaceAll(" ");
        blanked = GROUPING.matcher(blanked).replaceAll(" ");

        Set<String> names = new TreeSet<>();
        Matcher token = TOKEN.matcher(blanked);
        while (token.find()) {
            String text = token.group();
            if (!IDENTIFIER.matcher(text).matches() || KEYWORDS.contains(text)) {
                continue;
            }
            if (!nextNonBlankIs(blanked, token.end(), '(')) {
                names.add(text);
            }
        }
        return names;
    }

    private static boolean nextNonBlankIs(String text, int from, char expected) {
        for (int i = from; i < text.length(); i++) {
            if (!Character.isWhitespace(text.charAt(i))) {
                return text.charAt(i) == expected;
            }
        }
        return false;
    }
}
