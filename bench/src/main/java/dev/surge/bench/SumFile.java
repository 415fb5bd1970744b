package dev.surge.bench;

import com.fasterxml.jackson.annotation.JsonValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's summary file, as bench/simulate.lua (wrk), {@code openloop} and {@code batch} write it: "name value" lines
 * (requests, duration_us, s2xx, p99_us, status_503, ...), "key ..." lines (read by {@link KeysFile}) and "sample ..."
 * lines. A name written twice keeps its first value.
 */
final class SumFile {
    private final Map<String, String> values = new LinkedHashMap<>();

    static SumFile read(Path path) {
        try {
            return parse(Files.readAllLines(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the summary " + path, e);
        }
    }

    static SumFile parse(List<String> lines) {
        SumFile s = new SumFile();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && !f[0].equals("key") && !f[0].equals("sample")) {
                s.values.putIfAbsent(f[0], f[1]);
            }
        }
        return s;
    }

    /** Every "name value" line, in file order (what results.json holds of a run). */
    @JsonValue
    Map<String, String> values() {
        return values;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The value as a number; 0 when absent (as awk reads an empty value). */
    double number(String name) {
        String v = values.get(name);
        return v == null ? 0 : Double.parseDouble(v);
    }

    /** The value as a whole number (a decimal one rounded down); 0 when absent. */
    long get(String name) {
        return (long) number(name);
    }

    /** The raw value, or "" when absent. */
    String text(String name) {
        return values.getOrDefault(name, "");
    }

    /** status_N lines in file order: HTTP status -> answers. */
    Map<Integer, Long> statuses() {
        Map<Integer, Long> s = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith("status_")) {
                s.put(Integer.parseInt(k.substring("status_".length())), (long) Double.parseDouble(v));
            }
        });
        return s;
    }

    /** 2xx answers per second of the measured duration (wrk's, or the open loop's), rounded. */
    long rate() {
        double d = number("duration_us");
        return d > 0 ? Long.parseLong(Fmt.fixed(number("s2xx") / (d / 1e6), 0)) : 0;
    }
}
