package dev.surge.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the report says about a run besides its results: settings, machine, versions, the stack, the integrity
 * tallies. run.sh writes it as "name=value" lines (meta.env; the value is the rest of the line, as is).
 */
record RunMeta(Map<String, String> values) {
    static RunMeta read(Path file) throws IOException {
        return parse(Files.readAllLines(file));
    }

    static RunMeta parse(List<String> lines) {
        Map<String, String> v = new LinkedHashMap<>();
        for (String line : lines) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                v.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new RunMeta(v);
    }

    /** The value; an IllegalArgumentException names what run.sh did not write. */
    String get(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("meta.env has no " + name);
        }
        return v;
    }

    String get(String name, String dflt) {
        String v = values.get(name);
        return v == null || v.isEmpty() ? dflt : v;
    }

    long number(String name) {
        return Long.parseLong(get(name));
    }
}
