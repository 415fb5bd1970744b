package dev.surge.bench;

import java.util.Arrays;

/** Per key: what the answers said, every phase together (for the integrity check). */
final class BatchTally {
    final long[] sent, success, duplicate, accepted, unavailable, unconfirmed, other, refused, unanswered;
    final long[][] loads;
    final int[] nloads;

    BatchTally(int keys) {
        sent = new long[keys];
        success = new long[keys];
        duplicate = new long[keys];
        accepted = new long[keys];
        unavailable = new long[keys];
        unconfirmed = new long[keys];
        other = new long[keys];
        refused = new long[keys];
        unanswered = new long[keys];
        loads = new long[keys][16];
        nloads = new int[keys];
    }

    void load(int key, long load) {
        if (nloads[key] == loads[key].length) {
            loads[key] = Arrays.copyOf(loads[key], loads[key].length * 2);
        }
        loads[key][nloads[key]++] = load;
    }
}
