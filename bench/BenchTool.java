// Helpers for bench/run.sh, JDK only (no dependencies). bench/run.sh compiles it once with javac.
//
//   openloop --url URL --rate R --seconds S [--warmup-seconds W] [--connections C] [--keys N] [--prefix P] --out FILE
//       Fixed-rate open model (what wrk2 does; wrk2 is not in Debian): request i is due at start + i/R whatever
//       happened to earlier ones, and goes out on the first of C keep-alive connections that is free. Latency is
//       measured from the time a request was DUE, not from when it was sent, so a server (or client) that falls
//       behind shows its queueing delay (no coordinated omission). Writes the same summary format as
//       bench/simulate.lua, plus the service time (from actual send) for comparison. (java.net.http.HttpClient was
//       tried first and could not hold 1,000 req/s here: plain blocking sockets, one thread per connection, can.)
//
//   verify --api URL [--load-url URL]... --expected-total T --keys-file FILE [--timeout-seconds S]
//       Checks that every acknowledged (2xx) request was counted exactly once.
//       1) If a GET /load endpoint answers {"total":N,...}, waits until N == T (the cumulative number of 2xx answers
//          the bench got from this stack, warm-ups included), then checks it stays there.
//       2) Otherwise (404 or no endpoint: the case until GET /load exists) it POSTs {"key":K} once more for every key
//          K in FILE ("key K acked" lines) and checks the returned running count == acked + 1 (+ earlier 202
//          answers of this check). Keys are fresh per bench phase, so no other traffic touches them.
//       Prints "PASS ..." or "FAILED ...", exit code 0 / 1; "extra N" = events this check added itself.
//
//   total [--load-url URL]...
//       Prints the GET /load total, or "none" when no such endpoint answers.
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class BenchTool {
    private static final Pattern TOTAL = Pattern.compile("\"total\"\\s*:\\s*(\\d+)");
    private static final Pattern LOAD = Pattern.compile("\"load\"\\s*:\\s*(\\d+)");

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        Map<String, List<String>> opts = parse(Arrays.copyOfRange(args, 1, args.length));
        switch (args[0]) {
            case "openloop" -> System.exit(openLoop(opts));
            case "verify" -> System.exit(verify(opts));
            case "total" -> {
                OptionalLong total = loadTotal(client(4), opts.getOrDefault("load-url", List.of()));
                System.out.println(total.isPresent() ? String.valueOf(total.getAsLong()) : "none");
            }
            default -> usage();
        }
    }

    // ------------------------------------------------------------------------------------------------ open loop

    static int openLoop(Map<String, List<String>> o) throws Exception {
        String url = one(o, "url", null);
        double rate = Double.parseDouble(one(o, "rate", null));
        double seconds = Double.parseDouble(one(o, "seconds", "10"));
        double warmup = Double.parseDouble(one(o, "warmup-seconds", "0"));
        int nkeys = Integer.parseInt(one(o, "keys", "100"));
        String prefix = one(o, "prefix", "open");
        Path out = Path.of(one(o, "out", null));
        int connections = Integer.parseInt(one(o, "connections", "256"));
        Duration timeout = Duration.ofSeconds(Long.parseLong(one(o, "timeout-seconds", "10")));

        URI uri = URI.create(url);
        String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        byte[][] requests = new byte[nkeys][];
        for (int i = 0; i < nkeys; i++) {
            String body = "{\"key\":\"" + prefix + "-" + i + "\"}";
            requests[i] = ("POST " + target + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        AtomicLongArray acked = new AtomicLongArray(nkeys);
        AtomicLongArray sent = new AtomicLongArray(nkeys);
        long warmUnanswered = 0;
        if (warmup > 0) {
            // same JVM, same rate: warms the generator's own JIT too. Its requests count for the integrity check.
            Phase w = new Phase(uri, requests, rate, warmup, connections, acked, sent);
            w.run(timeout);
            warmUnanswered = w.ioErrors.get() + w.timeouts.get();
        }
        Phase p = new Phase(uri, requests, rate, seconds, connections, acked, sent);
        p.run(timeout);

        long[] lat = p.completedLatencies(p.dueLatency);
        long[] svc = p.completedLatencies(p.serviceLatency);
        long s2xx = p.s2xx.get();
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            w.printf("requests %d%n", lat.length);
            w.printf("scheduled %d%n", p.total);
            w.printf("rate_target %.1f%n", rate);
            w.printf("duration_us %d%n", p.elapsedNanos / 1000);
            w.printf("s2xx %d%ns200 %d%ns202 %d%nnon2xx %d%n", s2xx, p.s200.get(), p.s202.get(), p.non2xx.get());
            w.printf("err_connect 0%nerr_read %d%nerr_write 0%nerr_timeout %d%n", p.ioErrors.get(),
                    p.timeouts.get() + p.notSent.get());
            w.printf("not_sent %d%n", p.notSent.get());
            w.printf("connections %d%nmax_busy_connections %d%nsent_late %d%n", connections,
                    p.maxInflightSeen.get(), p.late.get());
            w.printf("s2xx_incl_warmup %d%n", sum(acked));
            w.printf("sent %d%n", sum(sent));
            w.printf("unanswered %d%n", warmUnanswered + p.ioErrors.get() + p.timeouts.get());
            w.printf("mean_us %.0f%n", Arrays.stream(lat).average().orElse(0) / 1000.0);
            w.printf("p50_us %d%np90_us %d%np99_us %d%np999_us %d%nmax_us %d%n", pct(lat, 50) / 1000,
                    pct(lat, 90) / 1000, pct(lat, 99) / 1000, pct(lat, 99.9) / 1000,
                    lat.length == 0 ? 0 : lat[lat.length - 1] / 1000);
            w.printf("svc_p50_us %d%nsvc_p99_us %d%nsvc_p999_us %d%n", pct(svc, 50) / 1000, pct(svc, 99) / 1000,
                    pct(svc, 99.9) / 1000);
            long[] gap = p.longestWithout200(nkeys);
            w.printf("longest_without_200_ms %d%nlongest_without_200_from_ms %d%nlongest_without_200_one_key_ms %d%n",
                    gap[0], gap[1], gap[2]);
            for (int i = 0; i < nkeys; i++) {
                w.printf("key %s-%d %d %d%n", prefix, i, acked.get(i), sent.get(i));
            }
        }
        long[] gap = p.longestWithout200(nkeys);
        System.out.printf("open loop %.0f/s for %.0f s: %d due, %d answered 2xx (%d x 202), %d non-2xx, %d errors, "
                        + "p50 %.1f ms p99 %.1f ms p99.9 %.1f ms (from due time); longest stretch without a 200: "
                        + "%d ms (from +%.1f s), for one key %d ms%n", rate, seconds, p.total, s2xx, p.s202.get(),
                p.non2xx.get(), p.ioErrors.get() + p.timeouts.get() + p.notSent.get(), pct(lat, 50) / 1e6,
                pct(lat, 99) / 1e6, pct(lat, 99.9) / 1e6, gap[0], gap[1] / 1000.0, gap[2]);
        return 0;
    }

    /**
     * One fixed-rate phase, the wrk2 model: {@code connections} keep-alive connections, each on its own thread with
     * blocking I/O. A free connection takes the next request number i, waits until it is due (start + i / rate) and
     * sends it. When every connection is busy, due requests wait for one, and that wait is part of their latency.
     */
    static final class Phase {
        final URI uri;
        final byte[][] requests;
        final long intervalNanos;
        final int total;
        final int connections;
        final AtomicLongArray acked;
        final AtomicLongArray sent;
        final long[] dueLatency;
        final long[] serviceLatency;
        /** When each request's answer came (System.nanoTime), and its status; -1 when none came. */
        final long[] answeredAt;
        final int[] statusOf;
        final AtomicInteger nextIndex = new AtomicInteger();
        final AtomicInteger busy = new AtomicInteger();
        final AtomicLong s2xx = new AtomicLong(), s200 = new AtomicLong(), s202 = new AtomicLong(),
                non2xx = new AtomicLong(), ioErrors = new AtomicLong(), timeouts = new AtomicLong(),
                notSent = new AtomicLong(), late = new AtomicLong();
        final AtomicInteger maxInflightSeen = new AtomicInteger();
        long elapsedNanos;
        long startNanos;

        /**
         * The longest stretch with no 200 answer (ms), with where it began (ms from the start); and the same for any
         * one key (events of key k are requests i with i % keys == k).
         */
        long[] longestWithout200(int keys) {
            long[] lastByKey = new long[keys];
            Arrays.fill(lastByKey, startNanos);
            Integer[] order = new Integer[total];
            for (int i = 0; i < total; i++) {
                order[i] = i;
            }
            Arrays.sort(order, java.util.Comparator.comparingLong(i -> answeredAt[i]));
            long last = startNanos, longest = 0, longestFrom = 0, perKey = 0;
            for (int i : order) {
                if (answeredAt[i] < 0 || statusOf[i] != 200) {
                    continue;
                }
                if (answeredAt[i] - last > longest) {
                    longest = answeredAt[i] - last;
                    longestFrom = last - startNanos;
                }
                last = answeredAt[i];
                int key = i % keys;
                perKey = Math.max(perKey, answeredAt[i] - lastByKey[key]);
                lastByKey[key] = answeredAt[i];
            }
            return new long[] {longest / 1_000_000, longestFrom / 1_000_000, perKey / 1_000_000};
        }

        Phase(URI uri, byte[][] requests, double rate, double seconds, int connections, AtomicLongArray acked,
              AtomicLongArray sent) {
            this.sent = sent;
            this.uri = uri;
            this.requests = requests;
            this.intervalNanos = (long) (1e9 / rate);
            this.total = (int) Math.round(rate * seconds);
            this.connections = connections;
            this.acked = acked;
            this.dueLatency = new long[total];
            this.serviceLatency = new long[total];
            Arrays.fill(dueLatency, -1);
            Arrays.fill(serviceLatency, -1);
            this.answeredAt = new long[total];
            this.statusOf = new int[total];
            Arrays.fill(answeredAt, -1);
        }

        void run(Duration timeout) throws InterruptedException {
            long start = System.nanoTime() + 50_000_000L;
            startNanos = start;
            long lastDue = start + (total - 1L) * intervalNanos;
            // past this, requests not yet sent are dropped (and reported as errors): the run stays bounded
            long sendDeadline = lastDue + timeout.toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                Thread t = new Thread(() -> loop(start, sendDeadline, (int) timeout.toMillis()), "openloop-" + c);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            long joinBy = sendDeadline + timeout.toNanos() + 5_000_000_000L;
            for (Thread t : threads) {
                long left = joinBy - System.nanoTime();
                if (left > 0) {
                    t.join(Math.max(1, left / 1_000_000));
                }
            }
            elapsedNanos = System.nanoTime() - start;
        }

        private void loop(long start, long sendDeadline, int timeoutMillis) {
            Conn conn = null;
            while (true) {
                int i = nextIndex.getAndIncrement();
                if (i >= total) {
                    break;
                }
                long due = start + i * intervalNanos;
                long now;
                while ((now = System.nanoTime()) < due) {
                    long wait = due - now;
                    if (wait > 200_000) {
                        LockSupport.parkNanos(wait - 100_000);
                    } else {
                        Thread.onSpinWait();
                    }
                }
                if (now > sendDeadline) {
                    notSent.incrementAndGet();
                    continue;
                }
                if (now - due > 1_000_000) {
                    late.incrementAndGet(); // sent more than 1 ms after due: every connection was busy
                }
                maxInflightSeen.accumulateAndGet(busy.incrementAndGet(), Math::max);
                int key = i % requests.length;
                long sentAt = System.nanoTime();
                try {
                    if (conn == null) {
                        conn = new Conn(uri, timeoutMillis);
                    }
                    this.sent.incrementAndGet(key);
                    int status = conn.exchange(requests[key]);
                    long end = System.nanoTime();
                    dueLatency[i] = end - due;
                    serviceLatency[i] = end - sentAt;
                    answeredAt[i] = end;
                    statusOf[i] = status;
                    if (status >= 200 && status < 300) {
                        s2xx.incrementAndGet();
                        acked.incrementAndGet(key);
                        if (status == 200) {
                            s200.incrementAndGet();
                        } else if (status == 202) {
                            s202.incrementAndGet();
                        }
                    } else {
                        non2xx.incrementAndGet();
                    }
                    if (conn.closeAfter) {
                        conn.close();
                        conn = null;
                    }
                } catch (java.net.SocketTimeoutException e) {
                    timeouts.incrementAndGet();
                    conn = closeQuietly(conn);
                } catch (IOException e) {
                    ioErrors.incrementAndGet();
                    conn = closeQuietly(conn);
                } finally {
                    busy.decrementAndGet();
                }
            }
            closeQuietly(conn);
        }

        private static Conn closeQuietly(Conn conn) {
            if (conn != null) {
                conn.close();
            }
            return null;
        }

        long[] completedLatencies(long[] all) {
            long[] l = Arrays.stream(all).filter(v -> v >= 0).toArray();
            Arrays.sort(l);
            return l;
        }
    }

    /** A minimal blocking HTTP/1.1 keep-alive connection: Content-Length or chunked answers. */
    static final class Conn {
        final java.net.Socket socket;
        final java.io.InputStream in;
        final java.io.OutputStream out;
        boolean closeAfter;

        Conn(URI uri, int timeoutMillis) throws IOException {
            socket = new java.net.Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new java.net.InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
            socket.setSoTimeout(timeoutMillis);
            in = new java.io.BufferedInputStream(socket.getInputStream(), 16384);
            out = socket.getOutputStream();
        }

        int exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String statusLine = line();
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("bad status line: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            long length = -1;
            boolean chunked = false;
            closeAfter = parts[0].equals("HTTP/1.0");
            for (String h = line(); !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = h.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
                    case "connection" -> closeAfter = value.equalsIgnoreCase("close") ? true
                            : value.equalsIgnoreCase("keep-alive") ? false : closeAfter;
                    default -> { }
                }
            }
            if (chunked) {
                for (long size = Long.parseLong(line().split(";")[0].trim(), 16); size > 0;
                     size = Long.parseLong(line().split(";")[0].trim(), 16)) {
                    skip(size);
                    line();
                }
                for (String t = line(); !t.isEmpty(); t = line()) {
                    // trailers
                }
            } else if (length >= 0) {
                skip(length);
            } else {
                while (in.read() >= 0) {
                    // body until close
                }
                closeAfter = true;
            }
            return status;
        }

        private void skip(long n) throws IOException {
            while (n > 0) {
                long s = in.skip(n);
                if (s <= 0) {
                    if (in.read() < 0) {
                        throw new IOException("connection closed in body");
                    }
                    s = 1;
                }
                n -= s;
            }
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    int len = sb.length();
                    return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
                }
                sb.append((char) c);
            }
            throw new IOException("connection closed");
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ integrity

    static int verify(Map<String, List<String>> o) throws Exception {
        String api = one(o, "api", null);
        List<String> loadUrls = o.getOrDefault("load-url", List.of());
        long expected = Long.parseLong(one(o, "expected-total", "-1"));
        long maxTotal = Long.parseLong(one(o, "max-total", String.valueOf(expected)));
        Path keysFile = Path.of(one(o, "keys-file", null));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(one(o, "timeout-seconds", "60")));
        HttpClient client = client(4);

        // "key K ACKED [SENT]" lines; "unanswered N": sent, never answered (cut off at the end, or timed out)
        Map<String, long[]> keys = new LinkedHashMap<>();
        long unanswered = 0;
        for (String line : Files.readAllLines(keysFile)) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[0].equals("key")) {
                long ack = Long.parseLong(f[2]);
                long sent = f.length >= 4 ? Long.parseLong(f[3]) : ack;
                keys.merge(f[1], new long[] {ack, sent}, (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
            } else if (f.length == 2 && f[0].equals("unanswered")) {
                unanswered = Long.parseLong(f[1]);
            }
        }
        long acked = keys.values().stream().mapToLong(v -> v[0]).sum();

        OptionalLong total = loadTotal(client, loadUrls);
        if (total.isPresent() && expected >= 0) {
            // cumulative: every 2xx this stack gave must be counted (>= expected), none twice (<= maxTotal)
            // the stream may be far behind (ack=durable runs): wait while the total moves, give up after 30 s
            // without progress or at the deadline
            long seen = total.getAsLong();
            long lastProgress = System.nanoTime();
            while (seen < expected && System.nanoTime() < deadline
                    && System.nanoTime() - lastProgress < 30_000_000_000L) {
                Thread.sleep(200);
                long now = loadTotal(client, loadUrls).orElse(seen);
                if (now != seen) {
                    seen = now;
                    lastProgress = System.nanoTime();
                }
            }
            // then wait until it stops moving: a double count, or a cut-off request, may still be on its way
            long stableSince = System.nanoTime();
            while (System.nanoTime() - stableSince < 2_000_000_000L && System.nanoTime() < deadline) {
                Thread.sleep(250);
                long now = loadTotal(client, loadUrls).orElse(seen);
                if (now != seen) {
                    seen = now;
                    stableSince = System.nanoTime();
                }
            }
            boolean ok = seen >= expected && seen <= maxTotal;
            System.out.printf("%s method=get-load counted_total=%d acked_total=%d max_total=%d%s extra 0%n",
                    ok ? "PASS" : "FAILED", seen, expected, maxTotal, seen < expected ? " lost=" + (expected - seen)
                            : seen > maxTotal ? " doubled=" + (seen - maxTotal) : "");
            return ok ? 0 : 1;
        }

        // Fallback: one more count-mode POST per key. Its running count, less the check's own events, must lie
        // between the key's 2xx answers and the requests sent for it.
        ExecutorService pool = Executors.newFixedThreadPool(16);
        Map<String, String> problems = new ConcurrentHashMap<>();
        AtomicLong extra = new AtomicLong();
        AtomicLong counted = new AtomicLong();
        List<Future<?>> futures = new ArrayList<>();
        for (Map.Entry<String, long[]> e : keys.entrySet()) {
            futures.add(pool.submit(() -> {
                String key = e.getKey();
                long keyAcked = e.getValue()[0];
                long keySent = e.getValue()[1];
                long mine = 0;     // events of this check that were answered 2xx
                long unknown = 0;  // events of this check that got no answer (may or may not be counted)
                HttpRequest req = HttpRequest.newBuilder(URI.create(api + "/simulate")).timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\"}")).build();
                while (System.nanoTime() < deadline) {
                    HttpResponse<String> resp;
                    try {
                        resp = client.send(req, HttpResponse.BodyHandlers.ofString());
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
                        sleep(300); // 503: not written; try again (a 504, write unconfirmed, would show in the integrity check)
                        continue;
                    }
                    mine++;
                    extra.incrementAndGet();
                    Matcher m = LOAD.matcher(resp.body());
                    if (!m.find()) {
                        problems.put(key, "no load in " + resp.body());
                        return;
                    }
                    long load = Long.parseLong(m.group(1));
                    long low = keyAcked + mine;
                    long high = keySent + mine + unknown;
                    counted.addAndGet(Math.max(0, load - mine));
                    if (load < low) {
                        problems.put(key, "lost " + (low - load) + " (acked " + keyAcked + ", count " + load
                                + " incl. " + mine + " check event(s))");
                    } else if (load > high) {
                        problems.put(key, "doubled " + (load - high) + " (sent " + keySent + ", count " + load
                                + " incl. " + mine + " check event(s))");
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
        if (problems.isEmpty() && counted.get() > acked + unanswered) {
            problems.put("(all keys)", "counted " + counted.get() + " > acked " + acked + " + unanswered "
                    + unanswered + ": events answered non-2xx were counted");
        }
        String verdict = problems.isEmpty() ? "PASS" : "FAILED";
        StringBuilder detail = new StringBuilder();
        problems.entrySet().stream().limit(5).forEach(p -> detail.append(" [").append(p.getKey()).append(": ")
                .append(p.getValue()).append(']'));
        System.out.printf("%s method=post-per-key keys=%d acked=%d counted=%d unanswered=%d bad_keys=%d%s extra %d%n",
                verdict, keys.size(), acked, counted.get(), unanswered, problems.size(), detail, extra.get());
        return problems.isEmpty() ? 0 : 1;
    }

    /** The cluster total from the first GET /load that answers 200 with a "total", or empty. */
    static OptionalLong loadTotal(HttpClient client, List<String> urls) {
        for (String url : urls) {
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    Matcher m = TOTAL.matcher(r.body());
                    if (m.find()) {
                        return OptionalLong.of(Long.parseLong(m.group(1)));
                    }
                }
            } catch (IOException e) {
                // no such service here: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return OptionalLong.empty();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static HttpClient client(int threads) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "bench-http");
                    t.setDaemon(true);
                    return t;
                })).build();
    }

    static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static long sum(AtomicLongArray a) {
        long s = 0;
        for (int i = 0; i < a.length(); i++) {
            s += a.get(i);
        }
        return s;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Map<String, List<String>> parse(String[] args) {
        Map<String, List<String>> m = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("bad argument: " + args[i]);
                usage();
            }
            m.computeIfAbsent(args[i].substring(2), k -> new ArrayList<>()).add(args[++i]);
        }
        return m;
    }

    static String one(Map<String, List<String>> o, String name, String dflt) {
        List<String> v = o.get(name);
        if (v == null || v.isEmpty()) {
            if (dflt == null) {
                System.err.println("missing --" + name);
                usage();
            }
            return dflt;
        }
        return v.get(v.size() - 1);
    }

    static void usage() {
        System.err.println("usage: BenchTool openloop|verify|total [--name value]... (see the header of BenchTool.java)");
        System.exit(2);
    }
}
