package dev.surge.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one ./surge bench run measured, typed: read from the run's manifest (results.tsv, one line per measured run
 * that run.sh appends as it goes: a kind, then tab-separated name=value fields) and the summary files it names.
 */
record RunResults(List<Object> mainRows, List<OverloadRun> overload, List<BatchRow> batches,
                  List<BaselineCheck> baselineChecks, KafkaRun kafkaRun, List<Long> warmupCurve) {

    /** A baseline server (Flask original, Javalin ceiling) at one connection level, closed loop. */
    record BaselineRun(String system, int connections, SumFile sum) {
    }

    /** A Surge run of the main table: ack=count|durable, loop closed|open|warmup; load as the table says it. */
    record SurgeRun(String ack, String loop, int connections, long rate, SumFile sum, String integrity) {
        boolean warmup() {
            return loop.equals("warmup");
        }
    }

    /** Kafka's ProducerPerformance: its last summary line (after the warm-up records). */
    record KafkaRun(long records, int partitions, String command, PerfLine perf) {
    }

    /** "N records sent, R records/sec (...), ... P ms 50th, ... P ms 99th, P ms 99.9th." */
    record PerfLine(String line, String recordsPerSecond, String p50, String p99, String p999) {
        private static final Pattern RATE = Pattern.compile(".* ([0-9.]*) records/sec.*");

        static PerfLine parse(String line) {
            Matcher m = RATE.matcher(line);
            String rate = m.matches() ? m.group(1) : "";
            int dot = rate.indexOf('.');
            return new PerfLine(line, dot >= 0 ? rate.substring(0, dot) : rate, ms(line, "50th"), ms(line, "99th"),
                    ms(line, "99.9th"));
        }

        private static String ms(String line, String which) {
            Matcher m = Pattern.compile(".* ([0-9.]*) ms " + Pattern.quote(which) + ".*").matcher(line);
            return m.matches() ? m.group(1) : "";
        }

        /** records/s as a number, 0 when not known. */
        long rate() {
            return recordsPerSecond.isEmpty() ? 0 : Long.parseLong(recordsPerSecond);
        }
    }

    /** An overload run: clients retry|honour at MULTIPLE x the base connections. */
    record OverloadRun(String clients, int multiple, int connections, SumFile sum, String integrity) {
    }

    /** A row of the batch step (or its warm-up). */
    record BatchRow(int size, String ack, boolean warmup, int connections, SumFile sum, String integrity) {
    }

    /** A baseline's own counter after its runs: expected between acked + 1 and acked + unanswered + 1. */
    record BaselineCheck(String system, String check, long acked, long unanswered) {
        boolean ok() {
            if (!check.matches("\\d+")) {
                return false;
            }
            long c = Long.parseLong(check);
            return c >= acked + 1 && c <= acked + unanswered + 1;
        }
    }

    static RunResults read(Path manifest) throws IOException {
        return parse(Files.readAllLines(manifest), manifest.getParent());
    }

    /** Lines "KIND\tname=value\t..."; summary and log paths relative to {@code dir} unless absolute. */
    static RunResults parse(List<String> lines, Path dir) throws IOException {
        List<Object> main = new ArrayList<>();
        List<OverloadRun> overload = new ArrayList<>();
        List<BatchRow> batches = new ArrayList<>();
        List<BaselineCheck> checks = new ArrayList<>();
        KafkaRun kafka = null;
        List<Long> curve = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            Map<String, String> v = new LinkedHashMap<>();
            for (int i = 1; i < f.length; i++) {
                int eq = f[i].indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("not name=value: '" + f[i] + "' in: " + line);
                }
                v.put(f[i].substring(0, eq), f[i].substring(eq + 1));
            }
            switch (f[0]) {
                case "baseline" -> main.add(new BaselineRun(v.get("system"), num(v, "connections"), sum(dir, v)));
                case "surge" -> main.add(new SurgeRun(v.get("ack"), v.get("loop"), num(v, "connections"),
                        v.containsKey("rate") ? Long.parseLong(v.get("rate")) : 0, sum(dir, v),
                        v.getOrDefault("integrity", "")));
                case "kafka" -> {
                    String perfLine = "";
                    for (String l : Files.readAllLines(resolve(dir, v.get("log")))) {
                        if (l.contains("records sent")) {
                            perfLine = l; // the last one is the steady state, after the warm-up records
                        }
                    }
                    kafka = new KafkaRun(Long.parseLong(v.get("records")), num(v, "partitions"), v.get("command"),
                            PerfLine.parse(perfLine));
                    main.add(kafka);
                }
                case "overload" -> overload.add(new OverloadRun(v.get("clients"), num(v, "multiple"),
                        num(v, "connections"), sum(dir, v), v.getOrDefault("integrity", "")));
                case "batch" -> batches.add(new BatchRow(num(v, "size"), v.get("ack"),
                        Boolean.parseBoolean(v.getOrDefault("warmup", "false")), num(v, "connections"), sum(dir, v),
                        v.getOrDefault("integrity", "")));
                case "baseline-check" -> checks.add(new BaselineCheck(v.get("system"), v.getOrDefault("check", ""),
                        Long.parseLong(v.get("acked")), Long.parseLong(v.get("unanswered"))));
                case "warmup-curve" -> {
                    for (String l : Files.readAllLines(resolve(dir, v.get("file")))) {
                        if (!l.isBlank()) {
                            curve.add(Long.parseLong(l.trim()));
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unknown kind of result: " + line);
            }
        }
        return new RunResults(main, overload, batches, checks, kafka, curve);
    }

    private static int num(Map<String, String> v, String name) {
        String s = v.get(name);
        if (s == null) {
            throw new IllegalArgumentException("missing " + name + " in " + v);
        }
        return Integer.parseInt(s);
    }

    private static SumFile sum(Path dir, Map<String, String> v) {
        return SumFile.read(resolve(dir, v.get("sum")));
    }

    private static Path resolve(Path dir, String file) {
        if (file == null) {
            throw new IllegalArgumentException("no file named");
        }
        Path p = Path.of(file);
        return p.isAbsolute() || dir == null ? p : dir.resolve(p);
    }

    /** The best closed-loop 2xx/s of a baseline system (0 without runs). */
    long bestBaseline(String system) {
        return mainRows.stream().filter(r -> r instanceof BaselineRun b && b.system().equals(system))
                .mapToLong(r -> ((BaselineRun) r).sum().rate()).max().orElse(0);
    }

    /** The best closed-loop 2xx/s of Surge in an ack mode (0 without runs). */
    long bestSurge(String ack) {
        return mainRows.stream().filter(r -> r instanceof SurgeRun s && s.ack().equals(ack) && s.loop().equals("closed"))
                .mapToLong(r -> ((SurgeRun) r).sum().rate()).max().orElse(0);
    }

    Optional<SurgeRun> surge(String ack, String loop, int connections) {
        return mainRows.stream().filter(r -> r instanceof SurgeRun s && s.ack().equals(ack) && s.loop().equals(loop)
                && (connections < 0 || s.connections() == connections)).map(r -> (SurgeRun) r).findFirst();
    }

    /** The Kafka ceiling's run, if this run took it. */
    Optional<KafkaRun> kafka() {
        return Optional.ofNullable(kafkaRun);
    }

    long kafkaRate() {
        return kafka().map(k -> k.perf().rate()).orElse(0L);
    }
}
