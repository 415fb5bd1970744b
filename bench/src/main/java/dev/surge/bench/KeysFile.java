package dev.surge.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The "key ..." lines of a summary file (bench/simulate.lua, openloop, batch), as the integrity check reads them.
 * Closed and open loop write "key K ACKED [SENT]" and "unanswered N"; batch writes "key K ACKED UPPER SUCCESS
 * MAX_LOAD".
 */
final class KeysFile {
    /** Per key: 2xx answers and requests sent; sent = acked when the line has no SENT. */
    record Acked(long acked, long sent) {
    }

    /** Per key of a batch summary: events written for sure, at most written, answered success, highest load. */
    record Bounds(long acked, long upper, long success, long maxLoad) {
    }

    final Map<String, Acked> acked = new LinkedHashMap<>();
    final Map<String, Bounds> bounds = new LinkedHashMap<>();
    long unanswered;

    static KeysFile parse(List<String> lines) {
        KeysFile k = new KeysFile();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[0].equals("key")) {
                long ack = Long.parseLong(f[2]);
                long sent = f.length >= 4 ? Long.parseLong(f[3]) : ack;
                k.acked.merge(f[1], new Acked(ack, sent), (a, b) -> new Acked(a.acked + b.acked, a.sent + b.sent));
                if (f.length >= 4) {
                    long[] v = new long[4];
                    for (int i = 0; i < 4 && i + 2 < f.length; i++) {
                        v[i] = Long.parseLong(f[i + 2]);
                    }
                    k.bounds.put(f[1], new Bounds(v[0], v[1], v[2], v[3]));
                }
            } else if (f.length == 2 && f[0].equals("unanswered")) {
                k.unanswered = Long.parseLong(f[1]);
            }
        }
        return k;
    }

    long ackedTotal() {
        return acked.values().stream().mapToLong(Acked::acked).sum();
    }
}
