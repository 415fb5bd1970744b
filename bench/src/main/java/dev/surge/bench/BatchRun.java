package dev.surge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Closed loop on {@code POST /simulate/batch}: {@code connections} keep-alive connections, each on its own thread,
 * each sending its next batch as soon as the previous one is answered (after a 429 or 503, once Retry-After has
 * passed or the phase has ended). Every request is a fresh mix of {@code batch} events over the keys PREFIX-0 ..
 * PREFIX-(N-1). Each answer's results are read in request order: per key, the events answered "success" (not
 * duplicate), "accepted", "unavailable", "unconfirmed", and every load value handed out, so that a value handed
 * out twice for one key shows. Figures of the measured phase count the requests answered within it; requests
 * answered after it (in flight when it ended) and the warm-up count for the integrity check only.
 */
final class BatchRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    final URI uri;
    final int batch, connections, nkeys;
    final String prefix;
    final boolean ndjson;
    final int timeoutMillis;
    final byte[][] eventBytes;
    final byte[] head;
    final String[] keyNames;
    final List<BatchTally> tallies = Collections.synchronizedList(new ArrayList<>());
    final List<BatchWindow> windows = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong malformed = new AtomicLong(), keyMismatch = new AtomicLong(), unknownStatus = new AtomicLong();
    final ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
    volatile long phaseStart, phaseEnd;
    long windowNanos;

    BatchRun(URI uri, int batch, int connections, int nkeys, String prefix, boolean ndjson, int timeoutMillis) {
        this.uri = uri;
        this.batch = batch;
        this.connections = connections;
        this.nkeys = nkeys;
        this.prefix = prefix;
        this.ndjson = ndjson;
        this.timeoutMillis = timeoutMillis;
        keyNames = new String[nkeys];
        eventBytes = new byte[nkeys][];
        for (int i = 0; i < nkeys; i++) {
            keyNames[i] = prefix + "-" + i;
            eventBytes[i] = ("{\"key\":\"" + keyNames[i] + "\"}").getBytes(StandardCharsets.UTF_8);
        }
        String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        head = ("POST " + target + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nContent-Type: " + (ndjson ? "application/x-ndjson" : "application/json")
                + "\r\nContent-Length: ").getBytes(StandardCharsets.US_ASCII);
    }

    /** The warm-up (if any), then, once every request of it is answered, the measured phase. */
    void run(double warmup, double seconds) throws InterruptedException {
        long warmNanos = (long) (warmup * 1e9);
        windowNanos = (long) (seconds * 1e9);
        CyclicBarrier between = new CyclicBarrier(connections, () -> {
            phaseStart = System.nanoTime();
            phaseEnd = phaseStart + windowNanos;
        });
        phaseStart = System.nanoTime();
        phaseEnd = phaseStart + (warmNanos > 0 ? warmNanos : windowNanos);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Thread t = new Thread(() -> work(warmNanos > 0 ? between : null), "batch-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    private void work(CyclicBarrier between) {
        BatchTally tally = new BatchTally(nkeys);
        tallies.add(tally);
        RawConnection[] conn = new RawConnection[1];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int[] keys = new int[batch];
        try {
            if (between != null) {
                phase(tally, null, conn, random, keys);
                try {
                    between.await();
                } catch (BrokenBarrierException e) {
                    return;
                }
            }
            BatchWindow window = new BatchWindow();
            windows.add(window);
            phase(tally, window, conn, random, keys);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (conn[0] != null) {
                conn[0].close();
            }
        }
    }

    /** Sends batches until the phase ends; {@code window} is null in the warm-up. */
    private void phase(BatchTally tally, BatchWindow window, RawConnection[] conn, ThreadLocalRandom random,
                       int[] keys) throws InterruptedException {
        long end = phaseEnd;
        while (System.nanoTime() < end) {
            for (int i = 0; i < batch; i++) {
                keys[i] = random.nextInt(nkeys);
                tally.sent[keys[i]]++;
            }
            byte[] request = request(keys);
            long sentAt = System.nanoTime();
            int status;
            BatchWindow w = null;
            try {
                if (conn[0] == null) {
                    conn[0] = new RawConnection(uri, timeoutMillis);
                    conn[0].keepBody = true;
                }
                status = conn[0].exchange(request);
            } catch (IOException e) {
                boolean connecting = conn[0] == null;
                for (int k : keys) {
                    // no connection: nothing was sent; else it may or may not have been written
                    if (connecting) {
                        tally.refused[k]++;
                    } else {
                        tally.unanswered[k]++;
                    }
                }
                if (window != null && System.nanoTime() <= end) {
                    window.requests++;
                    window.events += batch;
                    if (e instanceof SocketTimeoutException) {
                        window.timeouts++;
                    } else {
                        window.ioErrors++;
                    }
                }
                if (conn[0] != null) {
                    conn[0].close();
                    conn[0] = null;
                }
                if (connecting) {
                    LockSupport.parkNanos(Math.min(50_000_000L, Math.max(0, end - System.nanoTime())));
                }
                continue;
            }
            long answeredAt = System.nanoTime();
            if (window != null) {
                if (answeredAt <= end) {
                    w = window;
                    w.requests++;
                    w.events += batch;
                    w.statuses.merge(status, 1L, Long::sum);
                    w.latency(answeredAt - sentAt);
                } else {
                    window.drained++;
                }
            }
            String body = new String(conn[0].body.toByteArray(), StandardCharsets.UTF_8);
            String retryAfter = conn[0].retryAfter;
            if (conn[0].closeAfter) {
                conn[0].close();
                conn[0] = null;
            }
            if (status == 200 || status == 202 || status == 207) {
                results(status, body, keys, tally, w);
            } else if (status != 400 && status != 413 && status != 429 && status != 503) {
                // 504 (Kafka did not confirm the writes), or an answer the contract does not name: each event
                // may or may not be counted
                for (int k : keys) {
                    tally.unanswered[k]++;
                }
                if (w != null) {
                    if (status == 504) {
                        w.unconfirmed += batch;
                    } else {
                        w.other += batch;
                    }
                }
                if (samples.size() < 5) {
                    samples.add(status + " " + body.substring(0, Math.min(300, body.length())));
                }
            } else {
                // a problem answer that writes nothing (400, 413, 429, 503): no event of the request was written
                for (int k : keys) {
                    tally.refused[k]++;
                }
                if (w != null) {
                    w.refused += batch;
                }
                if (samples.size() < 5) {
                    samples.add(status + " " + body.substring(0, Math.min(300, body.length())));
                }
                if (retryAfter != null && (status == 429 || status == 503)) {
                    if (w != null) {
                        w.retryAfter++;
                    }
                    long waitNanos;
                    try {
                        waitNanos = (long) (Double.parseDouble(retryAfter.trim()) * 1e9);
                    } catch (NumberFormatException e) {
                        waitNanos = 1_000_000_000L;
                    }
                    long until = Math.min(System.nanoTime() + waitNanos, end);
                    for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
                        LockSupport.parkNanos(left); // as long as Retry-After says, at most to the phase's end
                    }
                }
            }
        }
    }

    /** Reads a 200, 202 or 207 answer's results against the request's keys, into the tally and the window. */
    void results(int status, String body, int[] keys, BatchTally tally, BatchWindow w) {
        JsonNode results = null;
        try {
            JsonNode answer = JSON.readTree(body);
            if (answer != null && answer.path("results").isArray()) {
                results = answer.get("results");
            }
        } catch (IOException e) {
            // malformed: below
        }
        if (results == null || results.size() != keys.length) {
            // an answer that does not say what became of each event: each may or may not be counted
            malformed.incrementAndGet();
            if (samples.size() < 5) {
                samples.add(status + " (results do not match the request) "
                        + body.substring(0, Math.min(300, body.length())));
            }
            for (int k : keys) {
                tally.unanswered[k]++;
            }
            if (w != null) {
                w.other += keys.length;
            }
            return;
        }
        for (int i = 0; i < keys.length; i++) {
            int k = keys[i];
            JsonNode r = results.get(i);
            if (!r.isObject()) {
                malformed.incrementAndGet();
                tally.unanswered[k]++;
                continue;
            }
            if (!r.path("key").isTextual() || !keyNames[k].equals(r.get("key").textValue())) {
                keyMismatch.incrementAndGet(); // not in request order, or the wrong key
                if (samples.size() < 5) {
                    samples.add("result " + i + " is " + r + " for key " + keyNames[k]);
                }
            }
            String st = r.path("status").asText();
            switch (st) {
                case "success" -> {
                    if (r.path("duplicate").isBoolean() && r.get("duplicate").booleanValue()) {
                        tally.duplicate[k]++;
                        if (w != null) {
                            w.duplicate++;
                        }
                    } else {
                        if (!r.path("load").isIntegralNumber() || !tally.load(k, r.get("load").longValue())) {
                            malformed.incrementAndGet(); // counted, but with no load to check
                        }
                        tally.success[k]++;
                        if (w != null) {
                            w.success++;
                        }
                    }
                }
                case "accepted" -> {
                    tally.accepted[k]++;
                    if (w != null) {
                        w.accepted++;
                        if (r.path("offset").isIntegralNumber()) {
                            w.durable++;
                        }
                    }
                }
                case "unavailable" -> {
                    tally.unavailable[k]++;
                    if (w != null) {
                        w.unavailable++;
                    }
                }
                case "unconfirmed" -> {
                    tally.unconfirmed[k]++;
                    if (w != null) {
                        w.unconfirmed++;
                    }
                }
                default -> {
                    unknownStatus.incrementAndGet();
                    tally.other[k]++;
                    if (w != null) {
                        w.other++;
                    }
                }
            }
        }
    }

    byte[] request(int[] keys) {
        int len = ndjson ? 0 : 2 + keys.length - 1;
        for (int k : keys) {
            len += eventBytes[k].length + (ndjson ? 1 : 0);
        }
        byte[] cl = (len + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] r = new byte[head.length + cl.length + len];
        System.arraycopy(head, 0, r, 0, head.length);
        System.arraycopy(cl, 0, r, head.length, cl.length);
        int p = head.length + cl.length;
        if (!ndjson) {
            r[p++] = '[';
        }
        for (int i = 0; i < keys.length; i++) {
            if (i > 0 && !ndjson) {
                r[p++] = ',';
            }
            byte[] e = eventBytes[keys[i]];
            System.arraycopy(e, 0, r, p, e.length);
            p += e.length;
            if (ndjson) {
                r[p++] = '\n';
            }
        }
        if (!ndjson) {
            r[p++] = ']';
        }
        return r;
    }

    BatchWindow window() {
        BatchWindow all = new BatchWindow();
        synchronized (windows) {
            windows.forEach(all::add);
        }
        Arrays.sort(all.latencies, 0, all.nlat);
        return all;
    }

    BatchTally tally() {
        BatchTally all = new BatchTally(nkeys);
        synchronized (tallies) {
            for (BatchTally t : tallies) {
                for (int k = 0; k < nkeys; k++) {
                    all.sent[k] += t.sent[k];
                    all.success[k] += t.success[k];
                    all.duplicate[k] += t.duplicate[k];
                    all.accepted[k] += t.accepted[k];
                    all.unavailable[k] += t.unavailable[k];
                    all.unconfirmed[k] += t.unconfirmed[k];
                    all.other[k] += t.other[k];
                    all.refused[k] += t.refused[k];
                    all.unanswered[k] += t.unanswered[k];
                }
                all.addLoads(t);
            }
        }
        return all;
    }

    String line;

    void write(Path out, double warmup) throws IOException {
        BatchWindow w = window();
        BatchTally t = tally();
        double secs = windowNanos / 1e9;
        long[] lat = Arrays.copyOf(w.latencies, w.nlat);
        long repeated = 0, keysRepeated = 0, acked = 0, maybe = 0, sent = 0;
        long[] maxLoad = new long[nkeys];
        for (int k = 0; k < nkeys; k++) {
            repeated += t.repeated[k];
            keysRepeated += t.repeated[k] > 0 ? 1 : 0;
            maxLoad[k] = t.maxLoad(k);
            acked += t.success[k] + t.accepted[k];
            maybe += t.unanswered[k] + t.unconfirmed[k] + t.other[k];
            sent += t.sent[k];
        }
        long s2xx = 0, non2xx = 0;
        for (Map.Entry<Integer, Long> e : w.statuses.entrySet()) {
            if (e.getKey() >= 200 && e.getKey() < 300) {
                s2xx += e.getValue();
            } else {
                non2xx += e.getValue();
            }
        }
        try (PrintWriter p = new PrintWriter(Files.newBufferedWriter(out))) {
            p.printf("batch %d%nformat %s%nconnections %d%nkey_count %d%nwarmup_seconds %.1f%n", batch,
                    ndjson ? "ndjson" : "json", connections, nkeys, warmup);
            p.printf("duration_us %d%n", windowNanos / 1000);
            p.printf("requests %d%ns2xx %d%nnon2xx %d%nio_errors %d%ntimeouts %d%ndrained %d%n", w.requests,
                    s2xx, non2xx, w.ioErrors, w.timeouts, w.drained);
            w.statuses.forEach((k, v) -> p.printf("status_%d %d%n", k, v));
            p.printf("retry_after %d%n", w.retryAfter);
            p.printf("events %d%nevents_success %d%nevents_duplicate %d%nevents_accepted %d%n"
                            + "events_durable %d%nevents_unavailable %d%nevents_unconfirmed %d%n"
                            + "events_other %d%nevents_refused %d%n", w.events, w.success, w.duplicate,
                    w.accepted, w.durable, w.unavailable, w.unconfirmed, w.other, w.refused);
            p.printf("success_per_s %.0f%naccepted_per_s %.0f%nrequests_per_s %.1f%n", w.success / secs,
                    w.accepted / secs, w.requests / secs);
            p.printf("mean_us %.0f%n", Arrays.stream(lat).average().orElse(0) / 1000.0);
            p.printf("p50_us %d%np90_us %d%np99_us %d%np999_us %d%nmax_us %d%n", Percentiles.pct(lat, 50) / 1000,
                    Percentiles.pct(lat, 90) / 1000, Percentiles.pct(lat, 99) / 1000, Percentiles.pct(lat, 99.9) / 1000,
                    lat.length == 0 ? 0 : lat[lat.length - 1] / 1000);
            // every phase (warm-up and answers after the window included): for the integrity check
            p.printf("sent_events %d%nacked_events %d%nunanswered %d%n", sent, acked, maybe);
            p.printf("loads_repeated %d%nkeys_with_repeated_loads %d%nmalformed %d%nkey_mismatch %d%n"
                    + "unknown_status %d%n", repeated, keysRepeated, malformed.get(), keyMismatch.get(),
                    unknownStatus.get());
            for (String s : samples) {
                p.printf("sample %s%n", s.replaceAll("\\s+", " "));
            }
            // key K ACKED UPPER SUCCESS MAX_LOAD: ACKED = events written for sure (success + accepted), UPPER =
            // ACKED + events that may or may not be written (no answer, unconfirmed, unknown status)
            for (int k = 0; k < nkeys; k++) {
                long a = t.success[k] + t.accepted[k];
                p.printf("key %s %d %d %d %d%n", keyNames[k], a,
                        a + t.unanswered[k] + t.unconfirmed[k] + t.other[k], t.success[k], maxLoad[k]);
            }
        }
        line = String.format("batch %d x %d connections, %.0f s: %d requests (%.1f/s), %.0f success/s, "
                        + "%.0f accepted/s, statuses %s, %d events refused, %d io errors + timeouts, "
                        + "p50 %.1f ms p99 %.1f ms; all phases: %d events acked, %d unknown, %d load values "
                        + "repeated, %d malformed answers, %d key mismatches", batch, connections, secs,
                w.requests, w.requests / secs, w.success / secs, w.accepted / secs, w.statuses, w.refused,
                w.ioErrors + w.timeouts, Percentiles.pct(lat, 50) / 1e6, Percentiles.pct(lat, 99) / 1e6, acked, maybe, repeated,
                malformed.get(), keyMismatch.get());
    }

    String line() {
        return line;
    }
}
