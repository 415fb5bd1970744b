package dev.surge.bench;

import java.util.BitSet;

/**
 * Per key: what the answers said, every phase together (for the integrity check). The load values handed out are
 * kept as one bit each (a key's values run from 1 up), so a run of millions of events fits in little memory: a value
 * seen again counts as repeated.
 */
final class BatchTally {
    final long[] sent, success, duplicate, accepted, unavailable, unconfirmed, other, refused, unanswered;
    /** Per key, the load values seen. */
    final BitSet[] loads;
    /** Per key, how many load values were seen before (handed out twice). */
    final long[] repeated;

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
        loads = new BitSet[keys];
        for (int k = 0; k < keys; k++) {
            loads[k] = new BitSet();
        }
        repeated = new long[keys];
    }

    /**
     * A load value handed out for {@code key}. Returns false, recording nothing, for a value no count can be (below 1)
     * or one beyond an int (what a bit index holds).
     */
    boolean load(int key, long load) {
        if (load < 1 || load > Integer.MAX_VALUE) {
            return false;
        }
        if (loads[key].get((int) load)) {
            repeated[key]++;
        } else {
            loads[key].set((int) load);
        }
        return true;
    }

    /** Adds {@code other}'s load values of every key: a value both saw counts as repeated. */
    void addLoads(BatchTally other) {
        for (int k = 0; k < loads.length; k++) {
            BitSet both = (BitSet) other.loads[k].clone();
            both.and(loads[k]);
            repeated[k] += other.repeated[k] + both.cardinality();
            loads[k].or(other.loads[k]);
        }
    }

    /** The highest load value seen for {@code key}, 0 when none. */
    long maxLoad(int key) {
        return Math.max(0, loads[key].length() - 1);
    }
}
