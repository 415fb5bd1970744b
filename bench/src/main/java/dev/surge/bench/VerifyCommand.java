package dev.surge.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Checks that every acknowledged (2xx) request was counted exactly once.
 * <ol>
 *   <li>If a GET /load endpoint answers {"total":N,...}, waits until N reaches the expected total (the cumulative
 *       number of 2xx answers the bench got from this stack, warm-ups included), then until it stays put, and checks
 *       expected &lt;= N &lt;= max total.</li>
 *   <li>Otherwise (404 or no endpoint) it POSTs {"key":K} once more for every key K in the keys file ("key K acked
 *       [sent]" lines) and checks the returned running count lies between acked and sent (+ this check's events).
 *       Keys are fresh per bench phase, so no other traffic touches them.</li>
 *   <li>With --per-key-url (for batch summaries), also reads each key's count with GET BASE&lt;key&gt; and checks
 *       ACKED &lt;= count &lt;= UPPER and MAX_LOAD &lt;= count for each "key K ACKED UPPER SUCCESS MAX_LOAD" line,
 *       waiting while counts move towards ACKED, then for 2 s of no change.</li>
 * </ol>
 * Prints "PASS ..." or "FAILED ..." (one line per method; run.sh reads method=, acked=, counted=, upper= and
 * "extra N", the events this check added itself), exit code 0 / 1.
 */
@Command(name = "verify", description = "Checks that every acknowledged request was counted exactly once.")
final class VerifyCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--api", required = true) String api;
    @Option(names = "--load-url") List<String> loadUrls = new ArrayList<>();
    @Option(names = "--expected-total", defaultValue = "-1") long expected;
    @Option(names = "--max-total") Long maxTotalOption;
    @Option(names = "--keys-file", required = true) Path keysFile;
    @Option(names = "--timeout-seconds", defaultValue = "60") long timeoutSeconds;
    @Option(names = "--per-key-url") String perKeyUrl;

    /** The get-load verdict line. */
    static String totalLine(long seen, long expected, long maxTotal) {
        boolean ok = seen >= expected && seen <= maxTotal;
        return String.format("%s method=get-load counted_total=%d acked_total=%d max_total=%d%s extra 0",
                ok ? "PASS" : "FAILED", seen, expected, maxTotal, seen < expected ? " lost=" + (expected - seen)
                        : seen > maxTotal ? " doubled=" + (seen - maxTotal) : "");
    }

    /** What is wrong with one key of a batch summary given its count (null: not readable), or null. */
    static String perKeyProblem(KeysFile.Bounds v, Long c) {
        if (c == null) {
            return "count not readable";
        }
        if (c < v.acked()) {
            return "lost " + (v.acked() - c) + " (acked " + v.acked() + ", count " + c + ")";
        }
        if (c > v.upper()) {
            return "doubled " + (c - v.upper()) + " (at most " + v.upper() + ", count " + c + ")";
        }
        if (v.maxLoad() > c) {
            return "load " + v.maxLoad() + " handed out, count only " + c;
        }
        return null;
    }

    /**
     * What is wrong with one key of the POST-per-key check, or null: its running count {@code load}, less this
     * check's {@code mine} answered events, must lie between its 2xx answers and the requests sent for it (+ the
     * check's {@code unknown} unanswered ones).
     */
    static String postCheckProblem(long keyAcked, long keySent, long mine, long unknown, long load) {
        long low = keyAcked + mine;
        long high = keySent + mine + unknown;
        if (load < low) {
            return "lost " + (low - load) + " (acked " + keyAcked + ", count " + load + " incl. " + mine
                    + " check event(s))";
        }
        if (load > high) {
            return "doubled " + (load - high) + " (sent " + keySent + ", count " + load + " incl. " + mine
                    + " check event(s))";
        }
        return null;
    }

    static String detail(Map<String, String> problems) {
        StringBuilder detail = new StringBuilder();
        problems.entrySet().stream().limit(5).forEach(p -> detail.append(" [").append(p.getKey()).append(": ")
                .append(p.getValue()).append(']'));
        return detail.toString();
    }

    @Override
    public Integer call() throws Exception {
        long maxTotal = maxTotalOption == null ? expected : maxTotalOption;
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        LoadApi load = new LoadApi(4);
        KeysFile keys = KeysFile.parse(Files.readAllLines(keysFile));

        OptionalLong total = load.total(loadUrls);
        if (total.isPresent() && expected >= 0) {
            // cumulative: every 2xx this stack gave must be counted (>= expected), none twice (<= maxTotal)
            // the stream may be far behind (ack=durable runs): wait while the total moves, give up after 30 s
            // without progress or at the deadline
            long seen = total.getAsLong();
            long lastProgress = System.nanoTime();
            while (seen < expected && System.nanoTime() < deadline
                    && System.nanoTime() - lastProgress < 30_000_000_000L) {
                Thread.sleep(200);
                long now = load.total(loadUrls).orElse(seen);
                if (now != seen) {
                    seen = now;
                    lastProgress = System.nanoTime();
                }
            }
            // then wait until it stops moving: a double count, or a cut-off request, may still be on its way
            long stableSince = System.nanoTime();
            while (System.nanoTime() - stableSince < 2_000_000_000L && System.nanoTime() < deadline) {
                Thread.sleep(250);
                long now = load.total(loadUrls).orElse(seen);
                if (now != seen) {
                    seen = now;
                    stableSince = System.nanoTime();
                }
            }
            boolean ok = seen >= expected && seen <= maxTotal;
            System.out.println(totalLine(seen, expected, maxTotal));
            if (perKeyUrl == null) {
                return ok ? 0 : 1;
            }
            return verifyPerKey(load, keys, deadline) == 0 && ok ? 0 : 1;
        }
        if (perKeyUrl != null) {
            return verifyPerKey(load, keys, deadline);
        }
        return verifyByPosting(load, keys, deadline);
    }

    /**
     * Each key's count read with GET BASE/KEY against its bounds. Waits while counts move towards ACKED (events
     * accepted but not counted yet), giving up after 30 s without progress or at the deadline, then until they stay
     * put for 2 s (a double count may still be on its way).
     */
    int verifyPerKey(LoadApi load, KeysFile file, long deadline) throws InterruptedException {
        Map<String, KeysFile.Bounds> keys = file.bounds;
        Map<String, Long> counts = new LinkedHashMap<>();
        long behind = Long.MAX_VALUE;
        long lastProgress = System.nanoTime();
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            boolean changed = false;
            long nowBehind = 0;
            for (Map.Entry<String, KeysFile.Bounds> e : keys.entrySet()) {
                long c = load.keyLoad(perKeyUrl, e.getKey());
                if (c < 0) {
                    changed = true; // not readable now (503 while rebalancing): ask again
                    nowBehind++;
                    continue;
                }
                Long before = counts.put(e.getKey(), c);
                changed |= before == null || before != c;
                nowBehind += Math.max(0, e.getValue().acked() - c);
            }
            if (nowBehind < behind) {
                behind = nowBehind;
                lastProgress = System.nanoTime();
            }
            if (changed) {
                stableSince = System.nanoTime();
            }
            if (nowBehind > 0 && System.nanoTime() - lastProgress > 30_000_000_000L) {
                break;
            }
            if (nowBehind == 0 && System.nanoTime() - stableSince >= 2_000_000_000L) {
                break;
            }
            Thread.sleep(250);
        }
        long acked = 0, counted = 0, upper = 0;
        Map<String, String> problems = new LinkedHashMap<>();
        for (Map.Entry<String, KeysFile.Bounds> e : keys.entrySet()) {
            KeysFile.Bounds v = e.getValue();
            Long c = counts.get(e.getKey());
            acked += v.acked();
            upper += v.upper();
            counted += c == null ? 0 : c;
            String problem = perKeyProblem(v, c);
            if (problem != null) {
                problems.put(e.getKey(), problem);
            }
        }
        System.out.printf("%s method=per-key keys=%d acked=%d counted=%d upper=%d bad_keys=%d%s extra 0%n",
                problems.isEmpty() ? "PASS" : "FAILED", keys.size(), acked, counted, upper, problems.size(),
                detail(problems));
        return problems.isEmpty() ? 0 : 1;
    }

    /** Fallback without GET /load: one more count-mode POST per key, its running count against the key's bounds. */
    int verifyByPosting(LoadApi load, KeysFile file, long deadline) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        Map<String, String> problems = new ConcurrentHashMap<>();
        AtomicLong extra = new AtomicLong();
        AtomicLong counted = new AtomicLong();
        List<Future<?>> futures = new ArrayList<>();
        for (Map.Entry<String, KeysFile.Acked> e : file.acked.entrySet()) {
            futures.add(pool.submit(() -> {
                String key = e.getKey();
                long mine = 0;     // events of this check that were answered 2xx
                long unknown = 0;  // events of this check that got no answer (may or may not be counted)
                HttpRequest req = HttpRequest.newBuilder(URI.create(api + "/simulate")).timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\"}")).build();
                while (System.nanoTime() < deadline) {
                    HttpResponse<String> resp;
                    try {
                        resp = load.client.send(req, HttpResponse.BodyHandlers.ofString());
                    } catch (IOException ex) {
                        unknown++;
                        sleep(300);
                        continue;
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    if (resp.statusCode() == 202) {
                        mine++; // in Kafka, not counted within the ack timeout (stream behind): ask again
                        extra.incrementAndGet();
                        sleep(300);
                        continue;
                    }
                    if (resp.statusCode() != 200) {
                        sleep(300); // 503: not written; try again (a 504, write unconfirmed, would show in the check)
                        continue;
                    }
                    mine++;
                    extra.incrementAndGet();
                    OptionalLong count = LoadApi.number(LoadApi.LOAD, resp.body());
                    if (count.isEmpty()) {
                        problems.put(key, "no load in " + resp.body());
                        return;
                    }
                    counted.addAndGet(Math.max(0, count.getAsLong() - mine));
                    String problem = postCheckProblem(e.getValue().acked(), e.getValue().sent(), mine, unknown,
                            count.getAsLong());
                    if (problem != null) {
                        problems.put(key, problem);
                    }
                    return;
                }
                problems.put(key, "no count before the deadline");
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdownNow();
        long acked = file.ackedTotal();
        if (problems.isEmpty() && counted.get() > acked + file.unanswered) {
            problems.put("(all keys)", "counted " + counted.get() + " > acked " + acked + " + unanswered "
                    + file.unanswered + ": events answered non-2xx were counted");
        }
        System.out.printf("%s method=post-per-key keys=%d acked=%d counted=%d unanswered=%d bad_keys=%d%s extra %d%n",
                problems.isEmpty() ? "PASS" : "FAILED", file.acked.size(), acked, counted.get(), file.unanswered,
                problems.size(), detail(problems), extra.get());
        return problems.isEmpty() ? 0 : 1;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
