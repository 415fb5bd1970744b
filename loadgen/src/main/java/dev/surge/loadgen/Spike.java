package dev.surge.loadgen;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A spike run from start to verdict: the load ({@link SpikeRun}, progress each second), then the integrity check,
 * the summary table, and the JSON result and HTML report when asked for. The library's entry point; {@code ./surge
 * spike} is a thin command line over it.
 */
public final class Spike {
    private final Scenario scenario;
    private final PrintStream out;

    public Spike(Scenario scenario, PrintStream out) {
        this.scenario = scenario;
        this.out = out;
    }

    public SpikeResult run() throws InterruptedException {
        out.printf(Locale.ROOT, "Spike: %s -> %s, mode %s%s, %,d keys %s (prefix %s), at most %,d requests in "
                        + "flight%n", scenario.profile().spec(), scenario.target(), scenario.mode().label(),
                scenario.mode().batch() ? " (" + scenario.batchSize() + " events per request)" : "", scenario.keys(),
                scenario.zipf() == 0 ? "uniform" : "Zipf s=" + scenario.zipf(), scenario.keyPrefix(),
                scenario.maxInFlight());
        out.printf(Locale.ROOT, "%,d events over %s%s%n", scenario.profile().events(),
                Rates.format(scenario.profile().duration()),
                scenario.apiKey().isPresent() ? ", with the API key" : "");
        try (HttpTarget http = new HttpTarget(scenario)) {
            SpikeRun.Outcome outcome = new SpikeRun(scenario, http, out).run();
            Integrity integrity = scenario.verify()
                    ? new IntegrityCheck(http, outcome.ledger(), scenario.settle(), out).run(scenario::key)
                    : Integrity.skipped();
            SpikeResult result = result(outcome, integrity);
            out.println();
            out.print(SummaryTable.render(result));
            return result;
        }
    }

    private SpikeResult result(SpikeRun.Outcome outcome, Integrity integrity) {
        long offered = 0;
        long sent = 0;
        long dropped = 0;
        long answers = 0;
        for (PhaseSummary phase : outcome.phases()) {
            offered += phase.offered();
            sent += phase.sent();
            dropped += phase.dropped();
            answers += phase.answers();
        }
        return new SpikeResult(scenario.target().toString(), scenario.mode().label(), scenario.profile().spec(),
                scenario.keys(), scenario.zipf(), scenario.keyPrefix(), scenario.batchSize(), scenario.ack(),
                scenario.maxInFlight(), scenario.seed(), outcome.startedAt().toString(), outcome.seconds(), offered, sent,
                dropped, answers, outcome.maxInFlightSeen(), outcome.phases(), outcome.perSecond(), integrity);
    }

    static ObjectMapper json() {
        return new ObjectMapper();
    }

    public static void writeJson(SpikeResult result, Path file) {
        try {
            json().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), result);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static void writeReport(SpikeResult result, Path file) {
        try {
            Files.writeString(file, HtmlReport.render(result));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
