package dev.surge.loadgen;

import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The table printed at the end of a run: one row per phase, then the totals and the integrity verdict. */
final class SummaryTable {
    private SummaryTable() {
    }

    static String render(SpikeResult result) {
        StringBuilder text = new StringBuilder();
        String header = String.format(Locale.ROOT, "%-3s %-40s %10s %10s %9s %9s %9s %9s %9s  %s%n", "#", "phase",
                "offered/s", "achieved/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "dropped", "answers by status");
        text.append(header);
        for (PhaseSummary phase : result.phases()) {
            text.append(String.format(Locale.ROOT, "%-3d %-40s %10.0f %10.0f %9.1f %9.1f %9.1f %9.1f %9d  %s%n",
                    phase.index(), phase.spec(), phase.offeredRate(), phase.achievedRate(), phase.p50Ms(),
                    phase.p90Ms(), phase.p99Ms(), phase.maxMs(), phase.dropped(), statuses(phase.statuses())));
        }
        text.append(String.format(Locale.ROOT, "Events: %,d offered, %,d sent, %,d dropped (in-flight bound %,d; "
                        + "most in flight %,d), %,d answered, in %.1f s%n", result.offered(), result.sent(),
                result.dropped(), result.maxInFlight(), result.maxInFlightSeen(), result.answers(), result.seconds()));
        Integrity integrity = result.integrity();
        if (integrity.verdict().equals("SKIPPED")) {
            text.append("Integrity: SKIPPED (--no-verify)\n");
        } else {
            text.append(String.format(Locale.ROOT, "Integrity: %s: %,d keys read back after %.1f s; %,d events "
                            + "acknowledged, %,d counted, %,d uncertain (no answer or 504), %,d refused (not "
                            + "written)%n", integrity.verdict(), integrity.keysChecked(), integrity.waitedSeconds(),
                    integrity.acknowledged(), integrity.counted(), integrity.uncertain(), integrity.refused()));
            integrity.discrepancies().forEach(d -> text.append("  ").append(d).append('\n'));
        }
        return text.toString();
    }

    static String statuses(Map<String, Long> statuses) {
        return statuses.isEmpty() ? "-" : statuses.entrySet().stream()
                .map(e -> e.getKey() + ": " + String.format(Locale.ROOT, "%,d", e.getValue()))
                .collect(Collectors.joining(", "));
    }
}
