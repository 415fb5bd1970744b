package dev.surge.loadgen;

import java.util.List;

/**
 * The integrity verdict of a run: for every key the run sent to, the loads of its counted answers are distinct and
 * none is above its count, and its count read back ({@code GET /load/{key}}, once the counts stopped changing)
 * equals the events acknowledged (answered with a count, or 202 accepted). Events that may or may not have been
 * written (no answer, 504, {@code unconfirmed}) widen that to acknowledged .. acknowledged + uncertain; with none the
 * check is exact.
 *
 * @param verdict       PASS, FAIL, or SKIPPED (not checked)
 * @param discrepancies the first ones found, one sentence each
 */
public record Integrity(String verdict, int keysChecked, long acknowledged, long uncertain, long refused,
                        long counted, double waitedSeconds, List<String> discrepancies) {
    public static final int MAX_LISTED = 20;

    public static Integrity skipped() {
        return new Integrity("SKIPPED", 0, 0, 0, 0, 0, 0, List.of());
    }

    public boolean passed() {
        return !verdict.equals("FAIL");
    }
}
