package dev.surge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of a fixed quick run (src/test/resources/quick-run: results.tsv, its summaries, meta.env): the rows,
 * ratios and verdicts bench/run.sh printed for the same summaries before the report moved to Java (checked once side
 * by side with run.sh's awk and sed), the verdicts read from bench/targets.json.
 */
class BenchmarksReportTest {
    private static final Path TARGETS = Path.of("targets.json"); // bench/targets.json: surefire runs in bench/
    @TempDir Path dir;

    private static Path fixture() throws URISyntaxException {
        return Path.of(BenchmarksReportTest.class.getResource("/quick-run/results.tsv").toURI()).getParent();
    }

    private static BenchmarksReport report(Path fixture, List<String> metaChanges, Path targets) throws Exception {
        List<String> meta = new ArrayList<>(Files.readAllLines(fixture.resolve("meta.env")));
        for (String change : metaChanges) {
            String name = change.substring(0, change.indexOf('=') + 1);
            meta.removeIf(l -> l.startsWith(name));
            if (!change.endsWith("=")) {
                meta.add(change);
            }
        }
        return new BenchmarksReport(RunResults.read(fixture.resolve("results.tsv")), RunMeta.parse(meta),
                Targets.read(targets));
    }

    private static BenchmarksReport quick() throws Exception {
        return report(fixture(), List.of(), TARGETS);
    }

    @Test
    void mainTableRowsInTheOrderTheRunsRan() throws Exception {
        String text = quick().render();
        assertThat(text).startsWith("### Quick run, 2026-12-01 03:00 UTC, took 2 min 30 s (+ 10 s of installs/build "
                + "before it)\n\nCommand: `bench/run.sh --quick` (`./surge bench --quick`), commit `abc1234`.\n");
        assertThat(text).contains("""
                | system | mode | load | 2xx/s | of which 202 | p50 ms | p99 ms | p99.9 ms | errors | integrity |
                |---|---|---|---:|---:|---:|---:|---:|---:|---|
                | Flask original | closed loop | 64 conns | 986 | 0.0 % | 56.5 | 127.8 | 170.0 | 0 | - |
                | Flask original | closed loop | 256 conns | 777 | 0.0 % | 162.6 | 1135.8 | 2993.9 | 0 | - |
                | Javalin ceiling | closed loop | 64 conns | 3192 | 0.0 % | 15.7 | 248.5 | 366.5 | 0 | - |
                | Javalin ceiling | closed loop | 256 conns | 5690 | 0.0 % | 33.6 | 211.0 | 365.9 | 0 | - |
                | Kafka ProducerPerformance | acks=all, 100 B, 12 partitions | 1000000 records | 117733 | - | 1746 | 3344 | 3366 | 0 | - |
                | Surge | ack=durable, warm-up | 64 conns | 1000 |  |  |  |  |  | FAILED |
                | Surge | ack=count, closed loop | 64 conns | 200 | 0.0 % | 291.9 | 495.8 | 571.6 | 0 | PASS |
                | Surge | ack=count, closed loop | 256 conns | 342 | 0.0 % | 599.3 | 1307.9 | 1320.2 | 0 | PASS (3 of 5 cut off counted) |
                | Surge | ack=count, open loop | 171/s, 855 answers | 167 | 0.0 % | 232.6 | 630.5 | 686.4 | 0 | PASS |
                | Surge | ack=durable, open loop | 171/s, 855 answers | 171 | 100.0 % | 12.7 | 201.5 | 260.5 | 0 | PASS |
                | Surge | ack=durable, closed loop | 64 conns | 2247 | 100.0 % | 19.2 | 451.1 | 511.8 | 0 | PASS |
                | Surge | ack=durable, closed loop | 256 conns | 4348 | 100.0 % | 43.5 | 252.5 | 591.2 | 0 | PASS |
                """);
        // a warm-up that passed is not a row; the Kafka row comes where the ceiling ran
        assertThat(text).doesNotContain("ack=count, warm-up");
    }

    @Test
    void ratiosAndVerdictsFromTheTargetsFile() throws Exception {
        assertThat(quick().render()).contains("""
                | ratio | value | target |
                |---|---:|---|
                | Surge ack=count (best) / Flask original (best) | 0.35x | >= 10x: NOT met |
                | Surge ack=count (best) / Javalin ceiling (best) | 0.060x | >= 0.35x: NOT met |
                | Surge ack=durable (best) / Javalin ceiling (best) | 0.76x |  |
                | Surge ack=count (best) / Kafka ProducerPerformance | 0.003x | (a Surge event is 1 produce + 1 EOS count/ack + changelog) |
                | ack=count p99 at 50 % of max (171/s, open loop) | 630.5 ms | <= 50 ms: NOT met |
                | ack=count first 3 s after ready / warm, 64 conns (100/s vs 200/s) | 0.50x | >= 0.70x: NOT met |
                """);
        assertThat(quick().missed()).containsExactly("Surge ack=count (best) / Flask original (best)",
                "Surge ack=count (best) / Javalin ceiling (best)", "ack=count p99 at 50 % of max (171/s, open loop)",
                "ack=count first 3 s after ready / warm, 64 conns (100/s vs 200/s)");
    }

    @Test
    void aThresholdChangedInTheDataFileChangesTheVerdict() throws Exception {
        Path targets = dir.resolve("targets.json");
        Files.writeString(targets, Files.readString(TARGETS)
                .replace("\"comparator\": \">=\", \"threshold\": \"10\"", "\"comparator\": \">=\", \"threshold\": \"0.30\"")
                .replace("\"honour\": {\"comparator\": \">=\", \"threshold\": \"0.95\"}",
                        "\"honour\": {\"comparator\": \">=\", \"threshold\": \"1.20\"}"));
        String text = report(fixture(), List.of(), targets).render();
        assertThat(text).contains("| Surge ack=count (best) / Flask original (best) | 0.35x | >= 0.30x: met |")
                .contains("| honour | 2x | 512 | 4442 | 1.15x (>= 1.20: NOT met) |")
                .contains("targets from\nissue 15: >= 0.80 with clients that retry at once, >= 1.20 with clients");
    }

    @Test
    void overloadRowsAgainstTheirOneTimesRun() throws Exception {
        assertThat(quick().render()).contains("""
                | retry | 1x | 256 | 3730 | 1.00x (>= 0.80: -) | 0 | 0 of 0 |  | 0 | 64.8 | 139.1 | PASS |
                | retry | 2x | 512 | 3618 | 0.97x (>= 0.80: met) | 176 | 880 of 880 | 503 880 | 0 | 97.6 | 1008.4 | PASS |
                | honour | 1x | 256 | 3864 | 1.00x (>= 0.95: -) | 0 | 0 of 0 |  | 0 | 61.7 | 150.7 | PASS |
                | honour | 2x | 512 | 4442 | 1.15x (>= 0.95: met) | 154 | 770 of 770 | 503 770 | 0 | 73.8 | 219.3 | PASS |
                """);
    }

    @Test
    void batchRowsAndTheBatchRatio() throws Exception {
        assertThat(quick().render()).contains("""
                | 1 | ack=count | 256 | 7000 | 7100.4 | 34.8 | 79.2 | 0.059x | 11 count late, 500 refused, 2 in requests without answer | 200 x 35000, 503 x 500 | PASS (1 of 2 unanswered counted) |
                | 500 | ack=count | 8 | 129800 | 259.6 | 25.2 | 222.8 | 1.10x | 0 | 200 x 1298 | PASS |
                | 500 | ack=durable | 8 | 334700 | 669.4 | 8.6 | 30.1 | 2.84x | 0 | 202 x 3347 | PASS |

                | ratio | value | target |
                |---|---:|---|
                | batches of 500, ack=count (129800 events/s) / Kafka ProducerPerformance (117733 records/s) | 1.10x | >= 0.40x: met |""");
    }

    @Test
    void integrityAndBaselineChecks() throws Exception {
        String text = quick().render();
        assertThat(text).contains("Integrity: every Surge run PASSED (method: get-load+per-key; 12345 acknowledged "
                + "events all counted, none twice; 64 events were sent without an answer")
                .contains("Baselines (a check of the load tool): Flask original's counter 11767 = 11503 answered + 263 "
                        + "of 353 cut off + 1 (OK); Javalin ceiling's counter '', expected 48358..48624 (OFF: the load "
                        + "tool's figures are suspect).");
        assertThat(report(fixture(), List.of("integrity_failures=2"), TARGETS).render())
                .contains("Integrity: 2 Surge check(s) FAILED: see the table and the verify log.");
    }

    @Test
    void onARunningStackTheWarmUpRatioIsNotMeasured() throws Exception {
        Path copy = dir.resolve("run");
        copyFixture(copy);
        Path manifest = copy.resolve("results.tsv");
        Files.write(manifest, Files.readAllLines(manifest).stream().filter(l -> !l.startsWith("warmup-curve")).toList());
        String text = report(copy, List.of("stack_mode=running", "flags_broker=", "stack_data_dir=data",
                "api_port=8080", "cs_port=8081", "kafka_bootstrap=127.0.0.1:9092", "load_start=2.00 1.00 1.00"), TARGETS)
                .render();
        assertThat(text).contains("| ack=count first 3 s after ready / warm, 64 conns | n/a | >= 0.70x: not measured "
                + "(the stack was running before the bench) |")
                .contains("Surge measured on the running stack started by `./surge up`, as it was configured (data dir "
                        + "`data`): 1 ingest-api and 1 counter-streams instance(s), 12 partitions (count path "
                        + "generation 1), Kafka 127.0.0.1:9092;")
                .contains("ingest-api `-Xmx512m -XX:+ExitOnOutOfMemoryError`, Kafka not started by it.")
                .contains("Warm-up curve: answers counted in each second from ingest-api's `/health/ready`, under the "
                        + "first warm-up load (64\nconnections; ingest-api's `surge_events_total{outcome=\"counted\"}`): "
                        + "not taken: measured on a stack that was running before the bench")
                .contains("Other work shared the machine during this run (1-min load average 2.00 before it started)");
    }

    @Test
    void theMachineLineNamesTheJdkTheServicesRanOnWhenItWasRecorded() throws Exception {
        assertThat(quick().render()).contains("Machine: 2 cores, memory 23Gi total, 21Gi available; openjdk version "
                + "\"17.0.15\" 2025-04-15; wrk");
        assertThat(report(fixture(), List.of("services_java=openjdk version \"25.0.1\" 2025-10-21 LTS"), TARGETS)
                .render()).contains("Machine: 2 cores, memory 23Gi total, 21Gi available; openjdk version \"17.0.15\" "
                + "2025-04-15 (Surge's services: openjdk version \"25.0.1\" 2025-10-21 LTS); wrk");
    }

    @Test
    void theSettingsLineSaysHowTheOpenLoopsConnectionsWereChosen() throws Exception {
        assertThat(report(fixture(), List.of("open_connections_rule=the rate at 100 ms per answer, 64 to the largest "
                + "closed-loop level"), TARGETS).render())
                .contains("256 connections (the rate at 100 ms per answer, 64 to the largest closed-loop level; a "
                        + "request\nthat finds every connection busy waits for one, and the wait counts)");
        assertThat(report(fixture(), List.of("open_connections_rule=BENCH_OPEN_CONNECTIONS"), TARGETS).render())
                .contains("256 connections (BENCH_OPEN_CONNECTIONS; a request\nthat finds every connection busy")
                .doesNotContain("the rate at 100 ms per answer");
    }

    @Test
    void overloadAndBatchOnlyRunsHaveTheirOwnHeader() throws Exception {
        String overload = report(fixture(), List.of("mode=overload", "command_line=bench/run.sh --overload-only"),
                TARGETS).render();
        assertThat(overload).startsWith("### Overload run, 2026-12-01 03:00 UTC, took 2 min 30 s")
                .contains("`./surge bench --overload-only`")
                .contains("12 partitions, no other SURGE_* setting than ports, host and state dir; 3 s warm-up at 64 "
                        + "connections, then 20 s at 256.")
                .contains("| retry | 2x | 512 | 3618 |").doesNotContain("| system |").doesNotContain("| batch |")
                .endsWith("and may or may not be counted).");
        String batch = report(fixture(), List.of("mode=batch"), TARGETS).render();
        assertThat(batch).startsWith("### Batch run, ")
                .contains("Kafka ceiling: `java -cp 'bench/kafka-tools/target/lib/*' org.apache.kafka.tools."
                        + "ProducerPerformance --topic bench-perf --num-records 1000000`: 117733 records/s, p50 1746 ms, "
                        + "p99 3344 ms.")
                .contains("| 500 | ack=count | 8 | 129800 |").doesNotContain("| clients |").doesNotContain("| system |");
    }

    @Test
    void theBlockReplacesOnlyItsModesBlock() {
        String file = "# Benchmarks\n\nintro\n\n<!-- bench:quick:begin -->\nold quick\n<!-- bench:quick:end -->\n\n"
                + "## Notes\n\nkept\n";
        String out = BenchmarksReport.replaceBlock(file, "quick", "### Quick run, new\n");
        assertThat(out).isEqualTo("# Benchmarks\n\nintro\n\n<!-- bench:quick:begin -->\n## Latest quick run (`--quick`)"
                + "\n\n### Quick run, new\n<!-- bench:quick:end -->\n\n## Notes\n\nkept\n");
        assertThat(BenchmarksReport.replaceBlock(out, "batch", "### Batch run"))
                .startsWith(out.stripTrailing() + "\n\n<!-- bench:batch:begin -->\n## Latest batch run (`--batch-only`)")
                .endsWith("### Batch run\n<!-- bench:batch:end -->\n");
        assertThat(BenchmarksReport.replaceBlock(null, "full", "x")).startsWith("# Benchmarks\n\nWritten by `./surge "
                + "bench` (bench/run.sh; see bench/README.md).\n\n<!-- bench:full:begin -->\n## Latest full run\n\nx\n");
    }

    @Test
    void reportCommandWritesTheBlockResultsJsonAndReportMd() throws Exception {
        Path copy = dir.resolve("run");
        copyFixture(copy);
        Path benchmarks = dir.resolve("BENCHMARKS.md");
        Files.writeString(benchmarks, "# Benchmarks\n\n<!-- bench:quick:begin -->\nold\n<!-- bench:quick:end -->\n\ntail\n");
        assertThat(BenchTool.commandLine().execute("report", "--work", copy.toString(), "--targets",
                TARGETS.toString(), "--write", benchmarks.toString())).isZero();
        assertThat(Files.readString(benchmarks)).contains("## Latest quick run (`--quick`)\n\n### Quick run, 2026-12-01")
                .doesNotContain("\nold\n").endsWith("<!-- bench:quick:end -->\n\ntail\n");
        assertThat(Files.readString(copy.resolve("report.md"))).startsWith("### Quick run, ");
        JsonNode json = new ObjectMapper().readTree(copy.resolve("results.json").toFile());
        assertThat(json.at("/quantities/best_count").asText()).isEqualTo("342");
        assertThat(json.at("/quantities/kafka").asText()).isEqualTo("117733");
        assertThat(json.at("/results/overload/1/sum/non2xx").asText()).isEqualTo("880");
        assertThat(json.at("/missed")).hasSize(4);
    }

    private static void copyFixture(Path to) throws IOException, URISyntaxException {
        Path from = fixture();
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
