package dev.surge.stack;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** What a process of the local stack is. The declaration order is the start order; stopping goes in reverse. */
public enum Role {
    BROKER("broker", "embedded-kafka", "-Xmx1g"),
    COUNTER_STREAMS("counter-streams", "counter-streams", "-Xmx512m"),
    INGEST_API("ingest-api", "ingest-api", "-Xmx512m");

    private final String id;
    private final String module;
    private final String heap;

    Role(String id, String module, String heap) {
        this.id = id;
        this.module = module;
        this.heap = heap;
    }

    /** The name in {@code stack.json} and on the command line. */
    public String id() {
        return id;
    }

    /** The Maven module whose {@code target/MODULE.jar} runs this role. */
    public String module() {
        return module;
    }

    public String heap() {
        return heap;
    }

    /** ingest-api first, the broker last: nobody loses what it depends on while it still runs. */
    public static List<Role> stopOrder() {
        return List.of(INGEST_API, COUNTER_STREAMS, BROKER);
    }

    public static Role of(String id) {
        String wanted = id.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(role -> role.id.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown role '" + id + "': expected one of "
                        + Arrays.stream(values()).map(Role::id).toList()));
    }

    @Override
    public String toString() {
        return id;
    }
}
