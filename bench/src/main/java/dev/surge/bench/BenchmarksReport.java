package dev.surge.bench;

import dev.surge.bench.RunResults.BaselineRun;
import dev.surge.bench.RunResults.BatchRow;
import dev.surge.bench.RunResults.KafkaRun;
import dev.surge.bench.RunResults.OverloadRun;
import dev.surge.bench.RunResults.SurgeRun;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * BENCHMARKS.md's block of one ./surge bench run (full, quick, overload or batch), from its typed results, what
 * run.sh says about the run ({@link RunMeta}) and the targets ({@link Targets}): the header (machine, versions,
 * settings, the stack), the tables, the ratios with their verdicts, the integrity line. {@link #block} wraps it in the
 * mode's markers and {@link #replaceBlock} puts it into the file in place of the mode's previous block.
 */
final class BenchmarksReport {
    private final RunResults results;
    private final RunMeta meta;
    private final Targets targets;

    BenchmarksReport(RunResults results, RunMeta meta, Targets targets) {
        this.results = results;
        this.meta = meta;
        this.targets = targets;
    }

    String mode() {
        return meta.get("mode");
    }

    // ------------------------------------------------------------------------------------------------ quantities

    /** The figures the ratio rows and their labels use, as printed; a quantity not measured is absent. */
    Map<String, String> quantities() {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("best_count", String.valueOf(results.bestSurge("count")));
        q.put("best_durable", String.valueOf(results.bestSurge("durable")));
        q.put("best_flask", String.valueOf(results.bestBaseline("Flask original")));
        q.put("best_ceiling", String.valueOf(results.bestBaseline("Javalin ceiling")));
        results.kafka().filter(k -> !k.perf().recordsPerSecond().isEmpty())
                .ifPresent(k -> q.put("kafka", k.perf().recordsPerSecond()));
        q.put("open_rate", meta.get("open_rate", "?"));
        q.put("open_count_p99_ms", Fmt.ms(results.surge("count", "open", -1).map(s -> s.sum().number("p99_us"))
                .orElse(0.0)));
        int firstSeconds = Integer.parseInt(meta.get("first_seconds", "10"));
        q.put("first_seconds", String.valueOf(firstSeconds));
        if (!results.warmupCurve().isEmpty()) {
            List<Long> first = results.warmupCurve().subList(0, Math.min(firstSeconds, results.warmupCurve().size()));
            q.put("first_rate", Fmt.fixed(first.stream().mapToLong(Long::longValue).average().orElse(0), 0));
        }
        q.put("warm64_rate", String.valueOf(results.surge("count", "closed", 64).map(s -> s.sum().rate()).orElse(0L)));
        batchRate(500, "count").ifPresent(r -> q.put("batch500_count", String.valueOf(r)));
        return q;
    }

    private Optional<Long> batchRate(int size, String ack) {
        return results.batches().stream().filter(b -> !b.warmup() && b.size() == size && b.ack().equals(ack))
                .map(BenchmarksReport::events).findFirst();
    }

    /** Events acknowledged the mode's way per second of the measured window: success (count), durable. */
    static long events(BatchRow b) {
        double secs = Double.parseDouble(Fmt.fixed(b.sum().number("duration_us") / 1e6, 6));
        double n = b.sum().number(b.ack().equals("count") ? "events_success" : "events_durable");
        return secs > 0 ? Long.parseLong(Fmt.fixed(n / secs, 0)) : 0;
    }

    /** Target rows this run missed: ratios with a target, and overload runs past 1x below theirs. */
    List<String> missed() {
        List<String> missed = new ArrayList<>();
        Map<String, String> q = quantities();
        if (!mode().equals("overload") && !mode().equals("batch")) {
            targets.summary().stream().filter(r -> r.missed(q)).forEach(r -> missed.add(Targets.fill(r.label(), q)));
        }
        if (!mode().equals("overload")) {
            targets.batch().stream().filter(r -> r.missed(q)).forEach(r -> missed.add(Targets.fill(r.label(), q)));
        }
        for (OverloadRun o : results.overload()) {
            if (o.multiple() > 1 && !overloadVerdict(o).equals("met")) {
                missed.add("overload " + o.clients() + " " + o.multiple() + "x");
            }
        }
        return missed;
    }

    // ------------------------------------------------------------------------------------------------ tables

    static String table(String header, List<List<String>> rows) {
        StringBuilder b = new StringBuilder(header);
        for (List<String> row : rows) {
            b.append("\n| ").append(String.join(" | ", row)).append(" |");
        }
        return b.toString();
    }

    static long errors(SumFile s) {
        return s.get("non2xx") + s.get("err_connect") + s.get("err_read") + s.get("err_write") + s.get("err_timeout");
    }

    static String share202(SumFile s) {
        double n = s.number("s2xx");
        return n > 0 ? Fmt.fixed(100 * s.number("s202") / n, 1) + " %" : "-";
    }

    /** The main table's rows, in the order the runs ran. */
    List<List<String>> mainRows() {
        List<List<String>> rows = new ArrayList<>();
        for (Object r : results.mainRows()) {
            if (r instanceof BaselineRun b) {
                rows.add(measured(b.system(), "closed loop", b.connections() + " conns", b.sum(), "-"));
            } else if (r instanceof SurgeRun s && s.warmup()) {
                if (!s.integrity().startsWith("PASS")) {
                    rows.add(List.of("Surge", "ack=" + s.ack() + ", warm-up", s.connections() + " conns",
                            String.valueOf(s.sum().rate()), "", "", "", "", "", s.integrity()));
                }
            } else if (r instanceof SurgeRun s && s.loop().equals("open")) {
                rows.add(measured("Surge", "ack=" + s.ack() + ", open loop",
                        s.rate() + "/s, " + s.sum().get("requests") + " answers", s.sum(), s.integrity()));
            } else if (r instanceof SurgeRun s) {
                rows.add(measured("Surge", "ack=" + s.ack() + ", closed loop", s.connections() + " conns", s.sum(),
                        s.integrity()));
            } else if (r instanceof KafkaRun k) {
                rows.add(List.of("Kafka ProducerPerformance", "acks=all, 100 B, " + k.partitions() + " partitions",
                        k.records() + " records", k.perf().recordsPerSecond().isEmpty() ? "?" : k.perf().recordsPerSecond(),
                        "-", k.perf().p50(), k.perf().p99(), k.perf().p999(), "0", "-"));
            }
        }
        return rows;
    }

    private static List<String> measured(String system, String mode, String load, SumFile s, String integrity) {
        return List.of(system, mode, load, String.valueOf(s.rate()), share202(s), Fmt.ms(s.number("p50_us")),
                Fmt.ms(s.number("p99_us")), Fmt.ms(s.number("p999_us")), String.valueOf(errors(s)), integrity);
    }

    private String overloadRatio(OverloadRun o) {
        long base = results.overload().stream().filter(x -> x.clients().equals(o.clients()) && x.multiple() == 1)
                .findFirst().map(x -> x.sum().rate()).orElse(0L);
        return Fmt.ratio(o.sum().rate(), base);
    }

    private String overloadVerdict(OverloadRun o) {
        return o.multiple() > 1 ? targets.overload().of(o.clients()).verdict(overloadRatio(o)) : "-";
    }

    List<List<String>> overloadRows() {
        List<List<String>> rows = new ArrayList<>();
        for (OverloadRun o : results.overload()) {
            SumFile s = o.sum();
            double secs = Double.parseDouble(Fmt.fixed(s.number("duration_us") / 1e6, 3));
            String refused = secs > 0 ? Fmt.fixed(s.number("non2xx") / secs, 0) : "0";
            String statuses = s.statuses().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                    .collect(Collectors.joining(" "));
            long socket = s.get("err_connect") + s.get("err_read") + s.get("err_write") + s.get("err_timeout");
            rows.add(List.of(o.clients(), o.multiple() + "x", String.valueOf(o.connections()),
                    String.valueOf(s.rate()), overloadRatio(o) + "x (>= " + targets.overload().of(o.clients()).threshold()
                            + ": " + overloadVerdict(o) + ")", refused,
                    s.text("retry_after") + " of " + s.text("non2xx"), statuses, String.valueOf(socket),
                    Fmt.ms(s.number("p50_us")), Fmt.ms(s.number("p99_us")), o.integrity()));
        }
        return rows;
    }

    List<List<String>> batchRows() {
        List<List<String>> rows = new ArrayList<>();
        long kafka = results.kafkaRate();
        for (BatchRow b : results.batches()) {
            SumFile s = b.sum();
            if (b.warmup()) {
                if (!b.integrity().startsWith("PASS")) {
                    rows.add(List.of(String.valueOf(b.size()), "ack=" + b.ack() + ", warm-up",
                            String.valueOf(b.connections()), s.text("success_per_s"), "", "", "", "", "", "",
                            b.integrity()));
                }
                continue;
            }
            long rate = events(b);
            rows.add(List.of(String.valueOf(b.size()), "ack=" + b.ack(), String.valueOf(b.connections()),
                    String.valueOf(rate), s.text("requests_per_s"), Fmt.ms(s.number("p50_us")),
                    Fmt.ms(s.number("p99_us")), Fmt.ratio(rate, kafka) + "x", notAcked(b),
                    s.statuses().isEmpty() ? "-" : s.statuses().entrySet().stream()
                            .map(e -> e.getKey() + " x " + e.getValue()).collect(Collectors.joining(", ")),
                    b.integrity()));
        }
        return rows;
    }

    /** Events of the window's requests not acknowledged the mode's way, by kind; "0" when none. */
    static String notAcked(BatchRow b) {
        SumFile s = b.sum();
        List<String> other = new ArrayList<>();
        String[][] kinds = {{"accepted", "count late"}, {"success", "counted"}, {"unavailable", "unavailable"},
                {"unconfirmed", "unconfirmed"}, {"refused", "refused"}, {"other", "unknown status"}};
        for (String[] kind : kinds) {
            if (b.ack().equals("count") && kind[0].equals("success")
                    || b.ack().equals("durable") && kind[0].equals("accepted")) {
                continue;
            }
            long n = s.get("events_" + kind[0]);
            if (n > 0) {
                other.add(n + " " + kind[1]);
            }
        }
        long lost = (s.get("io_errors") + s.get("timeouts")) * b.size();
        if (lost > 0) {
            other.add(lost + " in requests without answer");
        }
        if (b.ack().equals("durable")) {
            long n = s.get("events_accepted") - s.get("events_durable");
            if (n > 0) {
                other.add(n + " accepted without offset");
            }
        }
        return other.isEmpty() ? "0" : String.join(", ", other);
    }

    // ------------------------------------------------------------------------------------------------ text

    private String took() {
        long elapsed = meta.number("elapsed") - meta.number("prep_seconds");
        return "took " + elapsed / 60 + " min " + elapsed % 60 + " s (+ " + meta.get("prep_seconds")
                + " s of installs/build before it)";
    }

    private String command() {
        String line = meta.get("command_line");
        return "Command: `" + line + "` (`./surge bench" + line.substring("bench/run.sh".length()) + "`), commit `"
                + meta.get("commit") + "`" + meta.get("dirty", "") + ".";
    }

    private String sharedNote() {
        String first = meta.get("load_start").split(" ")[0];
        return Double.parseDouble(first) >= 1.0
                ? "Other work shared the machine during this run (1-min load average " + first
                        + " before it started): read the figures as ratios, not absolutes."
                : "";
    }

    /** How run.sh chose the open loop's connection count, for the settings line; nothing when meta.env does not say. */
    private String openConnectionsRule() {
        String rule = meta.get("open_connections_rule", "");
        return rule.isEmpty() ? "" : rule + "; ";
    }

    String stackText() {
        String flagsBroker = meta.get("flags_broker", "");
        String flags = "broker `" + flagsBroker + "`, counter-streams `" + meta.get("flags_counter_streams", "?")
                + "`, ingest-api `" + meta.get("flags_ingest_api", "?") + "`";
        if (meta.get("stack_mode").equals("running")) {
            if (!meta.values().containsKey("flags_broker")) {
                flags = "counter-streams `" + meta.get("flags_counter_streams", "?") + "`, ingest-api `"
                        + meta.get("flags_ingest_api", "?") + "`, Kafka not started by it";
            }
            return "Surge measured on the running stack started by `./surge up`, as it was configured (data dir `"
                    + meta.get("stack_data_dir") + "`): " + meta.get("api_count") + " ingest-api and "
                    + meta.get("cs_count") + " counter-streams instance(s), " + meta.get("partitions")
                    + " partitions (count path generation " + meta.get("generation", "?") + "), Kafka "
                    + meta.get("kafka_bootstrap") + "; load sent to the ingest-api on port " + meta.get("api_port")
                    + ", counts read from the counter-streams on port " + meta.get("cs_port")
                    + "; JVMs as its launcher started them: " + flags + ". The warm-up curve was not taken (the "
                    + "stack was not fresh); the baselines and the Kafka ceiling ran while it stood idle beside them";
        }
        String text = "Surge as `./surge up` runs it, started by the bench with the same launcher (`local-stack.jar up "
                + "--data-dir <temp> --port " + meta.get("api_port") + " --counter-port " + meta.get("cs_port")
                + " --broker-port " + meta.get("kafka_port") + " --partitions " + meta.get("partitions") + "`): "
                + flags + ", " + meta.get("partitions") + " partitions, no other SURGE_* setting than ports, host and "
                + "state dir";
        String javaOpts = meta.get("surge_java_opts", "");
        return javaOpts.isEmpty() ? text : text + " (SURGE_JAVA_OPTS=`" + javaOpts + "`)";
    }

    String integritySummary() {
        long failures = meta.number("integrity_failures");
        if (failures == 0) {
            return "every Surge run PASSED (method: " + meta.get("integrity_method", "?") + "; " + meta.get("surge_acked")
                    + " acknowledged events all counted, none twice; " + meta.get("surge_unanswered")
                    + " events were sent without an answer that says whether they were written (requests cut off "
                    + "when a load phase ended or timed out, batch results unconfirmed or 504), and may or may not be "
                    + "counted)";
        }
        return failures + " Surge check(s) FAILED: see the table and the verify log";
    }

    String baselineChecks() {
        return results.baselineChecks().stream().map(c -> {
            if (c.ok()) {
                long check = Long.parseLong(c.check());
                return c.system() + "'s counter " + check + " = " + c.acked() + " answered + "
                        + (check - c.acked() - 1) + " of " + c.unanswered() + " cut off + 1 (OK)";
            }
            return c.system() + "'s counter '" + c.check() + "', expected " + (c.acked() + 1) + ".."
                    + (c.acked() + c.unanswered() + 1) + " (OFF: the load tool's figures are suspect)";
        }).collect(Collectors.joining("; "));
    }

    String overloadSection() {
        return "Overload (issue " + targets.overload().issue() + "), the same stack past its capacity: closed loop `wrk -t"
                + meta.get("wrk_threads") + " -c{1,2,5,10 x " + meta.get("overload_base") + "}\n-d" + meta.get("duration")
                + "s --timeout " + meta.get("wrk_timeout") + "` over " + meta.get("keys") + " keys, ack=count. Clients "
                + "`retry`: bench/simulate.lua, the next\nrequest as soon as an answer is in, refused or not; `honour`: "
                + "bench/simulate-honour.lua, after a refusal the wait\nRetry-After asks for. \"vs 1x\": 2xx per second "
                + "against the 1x run of the same clients in this run; targets from\nissue " + targets.overload().issue()
                + ": " + targets.overload().retry().comparator() + " " + targets.overload().retry().threshold()
                + " with clients that retry at once, " + targets.overload().honour().comparator() + " "
                + targets.overload().honour().threshold() + " with clients that honour Retry-After. Latency is wrk's,\n"
                + "over every answer, refusals included. Integrity as above, after every run.\n\n"
                + table("| clients | load | conns | 2xx/s | vs 1x | refused/s | refusals with Retry-After | refusals by "
                        + "status | socket errors + timeouts | p50 ms | p99 ms | integrity |\n"
                        + "|---|---|---:|---:|---|---:|---|---|---:|---:|---:|---|", overloadRows());
    }

    String batchSection() {
        Map<String, String> q = quantities();
        String eventsInFlight = meta.get("batch_events_in_flight");
        String conns = meta.get("batch_connections", "").isEmpty()
                ? "about " + eventsInFlight + " events in flight (" + eventsInFlight + " / batch connections, 4 to 256)"
                : meta.get("batch_connections") + " connections";
        String shape = meta.get("batch_format", "json").equals("ndjson") ? "NDJSON" : "a JSON array";
        return "Batches, `POST /simulate/batch?ack={count,durable}`: closed loop `BenchTool batch` (bench module, "
                + "dev.surge.bench.BatchRun), after\n" + meta.get("batch_warmup", "?") + " s of batches of 500 "
                + "(ack=count) to warm the batch path up, a " + meta.get("warmup") + " s warm-up then "
                + meta.get("batch_seconds") + " s measured per row, each request " + shape + " of \"batch\" events\n"
                + "`{\"key\":\"<run>-<i>\"}`, a fresh random mix over " + meta.get("keys") + " keys per request; " + conns
                + "; after a 429 or 503 a\nconnection waits as long as Retry-After says. events/s = events answered "
                + "\"success\" (counted) per second with\nack=count, \"accepted\" with partition and offset with "
                + "ack=durable, over the requests answered within the measured\nseconds; latency per request (send to "
                + "whole answer). \"of Kafka ceiling\" = events/s / ProducerPerformance's\n" + q.getOrDefault("kafka", "?")
                + " records/s in this run. \"not acked\": events of those requests answered otherwise; \"HTTP\": their\n"
                + "statuses (status x requests). Integrity after each row: the GET /load total as after every run; each "
                + "key of the row:\nevents answered success or accepted <= its count <= those + events that may or may "
                + "not be written (no answer,\n\"unconfirmed\"); no load value handed out twice for a key, none above "
                + "the key's final count; one result per event, in\nrequest order.\n\n"
                + table("| batch | mode | conns | events/s | requests/s | p50 ms | p99 ms | of Kafka ceiling | not acked "
                        + "| HTTP | integrity |\n|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|", batchRows())
                + "\n\n" + ratioTable(targets.batch(), q);
    }

    static String ratioTable(List<Targets.Ratio> ratios, Map<String, String> q) {
        return "| ratio | value | target |\n|---|---:|---|\n"
                + ratios.stream().map(r -> r.row(q)).collect(Collectors.joining("\n"));
    }

    private String machine(boolean wrk, boolean baselines) {
        return "Machine: " + meta.get("cores") + " cores, memory " + meta.get("mem") + "; " + meta.get("java_version")
                + meta.get("services_java", "").transform(java -> java.isEmpty() ? "" : " (Surge's services: " + java
                        + ")")
                + (wrk ? "; wrk " + meta.get("wrk_version") : "")
                + (baselines ? "; Flask " + meta.get("flask_version") + " (Debian python3-flask,\nthreaded dev server); "
                        + "Javalin " + meta.get("javalin_version") : "")
                + "; Kafka " + meta.get("kafka_version");
    }

    /** The report of the run, as printed and as the block's body. */
    String render() {
        String mode = mode();
        String took = took();
        String loads = "before: " + meta.get("load_start") + ", after: " + meta.get("load_end");
        if (mode.equals("overload")) {
            return "### Overload run, " + meta.get("started_at") + ", " + took + "\n\n" + command() + "\n\n"
                    + machine(true, false) + " (embedded single-node KRaft\nbroker). Load average (1/5/15 min) "
                    + loads + ". Everything (broker, counter-streams,\ningest-api, wrk) shares these cores. "
                    + sharedNote() + "\n\n" + stackText() + "; " + meta.get("warmup") + " s warm-up at 64 connections, "
                    + "then " + meta.get("overload_warmup") + " s at " + meta.get("overload_base") + ".\n\n"
                    + overloadSection() + "\n\nIntegrity: " + integritySummary() + ".";
        }
        if (mode.equals("batch")) {
            Optional<KafkaRun> k = results.kafka();
            return "### Batch run, " + meta.get("started_at") + ", " + took + "\n\n" + command() + "\n\n"
                    + machine(false, false) + " (embedded single-node KRaft broker). Load\naverage (1/5/15 min) "
                    + loads + ". Everything (broker, counter-streams, ingest-api, load\ntools) shares these cores. "
                    + sharedNote() + "\n\nKafka ceiling: `" + k.map(KafkaRun::command).orElse("?") + "`: "
                    + k.map(x -> x.perf().recordsPerSecond()).filter(s -> !s.isEmpty()).orElse("?")
                    + " records/s, p50 " + k.map(x -> x.perf().p50()).orElse("") + " ms, p99 "
                    + k.map(x -> x.perf().p99()).orElse("") + " ms.\n\n" + stackText() + "; " + meta.get("warmup")
                    + " s warm-up at 64 connections (`POST /simulate`), then the batch runs.\n\n" + batchSection()
                    + "\n\nIntegrity: " + integritySummary() + ".";
        }
        Map<String, String> q = quantities();
        String curve = results.warmupCurve().isEmpty()
                ? "not taken: measured on a stack that was running before the bench (the curve needs a fresh stack: "
                        + "`./surge down`, then `./surge bench`, takes it)"
                : results.warmupCurve().stream().map(String::valueOf).collect(Collectors.joining(" "));
        String title = Character.toUpperCase(mode.charAt(0)) + mode.substring(1);
        return "### " + title + " run, " + meta.get("started_at") + ", " + took + "\n\n" + command() + "\n\n"
                + machine(true, true) + " (embedded single-node KRaft broker). Load average\n"
                + "(1/5/15 min) " + loads + ". Everything (broker, counter-streams, ingest-api, load tools) shares\n"
                + "these cores. " + sharedNote() + "\n\n"
                + "Kafka ceiling command: `" + results.kafka().map(KafkaRun::command).orElse("?") + "`.\n\n"
                + "Settings: closed loop `wrk -t" + meta.get("wrk_threads") + " -c{" + meta.get("conns") + "} -d"
                + meta.get("duration") + "s --timeout " + meta.get("wrk_timeout") + "` with bench/simulate.lua\n"
                + "(POST, body `{\"key\":\"<run>-<i>\"}` over " + meta.get("keys") + " keys), after a "
                + meta.get("warmup") + " s warm-up per server (Surge: then " + meta.get("jit_warmup")
                + " s more in count mode at 256 connections, for its JITs); open loop: `BenchTool openloop` (one\n"
                + "event-loop thread) "
                + "at a fixed rate of 50 % of the best closed-loop ack=count throughput, " + meta.get("open_connections")
                + " connections (" + openConnectionsRule() + "a request\nthat "
                + "finds every connection busy waits for one, and the wait counts), " + meta.get("warmup")
                + " s warm-up\nthen " + meta.get("open_seconds")
                + " s measured, latency from each request's due time (no coordinated omission); Kafka ceiling:\n"
                + "`ProducerPerformance` " + meta.get("perf_records") + " records of 100 B (first "
                + meta.get("perf_warmup") + " are warm-up), `--throughput -1`, acks=all,\n"
                + meta.get("perf_partitions") + " partitions. " + stackText() + ".\n"
                + "Rate = 2xx answers per second (records/s for Kafka); \"of which 202\": answers without a count "
                + "(ack=count: the count\ndid not come within the 2 s ack timeout; ack=durable answers 202 by design); "
                + "errors = non-2xx answers + socket errors/timeouts. Integrity: after\nevery Surge run each key's count "
                + "must be at least its acknowledged (2xx) requests (else events were lost) and at most\nthe requests "
                + "sent for it (else events were doubled); the only requests allowed either way are those still in "
                + "flight,\nunanswered, when a load phase ended (\"cut off\"). A run that breaks either bound is FAILED "
                + "whatever its speed.\n\n"
                + table("| system | mode | load | 2xx/s | of which 202 | p50 ms | p99 ms | p99.9 ms | errors | integrity |\n"
                        + "|---|---|---|---:|---:|---:|---:|---:|---:|---|", mainRows())
                + "\n\n" + ratioTable(targets.summary(), q) + "\n\n"
                + "Warm-up curve: answers counted in each second from ingest-api's `/health/ready`, under the first "
                + "warm-up load (64\nconnections; ingest-api's `surge_events_total{outcome=\"counted\"}`): " + curve
                + ".\n\nIntegrity: " + integritySummary() + ". Baselines (a check of the load tool): " + baselineChecks()
                + ".\n\n" + overloadSection() + "\n\n" + batchSection();
    }

    // ------------------------------------------------------------------------------------------------ the file

    static final Map<String, String> TITLES = Map.of("full", "## Latest full run",
            "quick", "## Latest quick run (`--quick`)", "overload", "## Latest overload run (`--overload-only`)",
            "batch", "## Latest batch run (`--batch-only`)");

    /** The report between the mode's markers, under the mode's title. */
    static String block(String mode, String report) {
        return "<!-- bench:" + mode + ":begin -->\n" + TITLES.get(mode) + "\n\n" + report.stripTrailing()
                + "\n<!-- bench:" + mode + ":end -->";
    }

    /**
     * BENCHMARKS.md with the mode's block replaced (or appended when the file has none); whatever else is in the file
     * is left as it is. {@code text} null: a new file.
     */
    static String replaceBlock(String text, String mode, String report) {
        String begin = "<!-- bench:" + mode + ":begin -->";
        String end = "<!-- bench:" + mode + ":end -->";
        if (text == null) {
            text = "# Benchmarks\n\nWritten by `./surge bench` (bench/run.sh; see bench/README.md).\n";
        }
        String block = block(mode, report);
        int b = text.indexOf(begin);
        int e = b < 0 ? -1 : text.indexOf(end, b);
        if (b >= 0 && e >= 0) {
            return text.substring(0, b) + block + text.substring(e + end.length());
        }
        return text.replaceAll("\n+$", "") + "\n\n" + block + "\n";
    }
}
