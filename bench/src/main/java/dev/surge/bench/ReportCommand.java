package dev.surge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Renders a run's report from its work dir (results.tsv, the summaries it names, meta.env) and bench/targets.json:
 * prints it, writes results.json (the typed results) and report.md beside them, and with --write replaces the mode's
 * block in BENCHMARKS.md. Says on stderr which targets the run missed.
 */
@Command(name = "report", description = "BENCHMARKS.md's block of a run, from its results and bench/targets.json.")
final class ReportCommand implements Callable<Integer> {
    @Option(names = "--work", required = true, description = "the run's work dir: results.tsv, meta.env, res/")
    Path work;
    @Option(names = "--targets", required = true) Path targetsFile;
    @Option(names = "--write", description = "the BENCHMARKS.md whose block of this mode to replace") Path out;

    @Override
    public Integer call() throws Exception {
        RunResults results = RunResults.read(work.resolve("results.tsv"));
        RunMeta meta = RunMeta.read(work.resolve("meta.env"));
        BenchmarksReport report = new BenchmarksReport(results, meta, Targets.read(targetsFile));
        String text = report.render();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("meta", meta.values());
        json.put("quantities", report.quantities());
        json.put("results", results);
        json.put("missed", report.missed());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(work.resolve("results.json").toFile(),
                json);
        Files.writeString(work.resolve("report.md"), text + "\n");
        System.out.printf("%n%s%n%n", text);
        if (out != null) {
            String before = Files.exists(out) ? Files.readString(out) : null;
            Files.writeString(out, BenchmarksReport.replaceBlock(before, report.mode(), text));
            System.err.println("wrote the " + report.mode() + " run into " + out);
        }
        for (String m : report.missed()) {
            System.err.println("target not met: " + m);
        }
        return 0;
    }
}
