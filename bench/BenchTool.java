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
//   batch --url URL --batch B --connections C --seconds S [--warmup-seconds W] [--keys N] [--prefix P]
//         [--format json|ndjson] [--timeout-seconds T] --out FILE
//       Closed loop on POST /simulate/batch (loopback only): C connections, each sends its next request (B events, a
//       fresh random mix over the keys P-0 .. P-(N-1)) as soon as the previous is answered; after a 429 or 503 it
//       waits as long as Retry-After says (at most to the phase's end). Reads every answer's results in request
//       order: per key the events answered "success" (not duplicate; with every load value, to find one handed out
//       twice), "accepted", "unavailable", "unconfirmed"; a 400, 413, 429 or 503 wrote none of the request's events,
//       a 504 (or any other answer) may have written any of them. The warm-up runs in the same JVM on the same connections
//       and keys; the measured phase starts when all its requests are answered. Figures count the requests answered
//       within the measured S seconds; those answered after it ("drained") and the warm-up count for the integrity
//       lines only. Writes "name value" lines (events_success, success_per_s, accepted_per_s, requests_per_s,
//       p50_us, p99_us, status_N, loads_repeated, malformed, key_mismatch, acked_events, unanswered, ...) and
//       "key K ACKED UPPER SUCCESS MAX_LOAD" lines: ACKED = events answered success or accepted, UPPER = ACKED +
//       events that may or may not have been written (no answer, "unconfirmed", 504, a status it does not know).
//
//   verify --api URL [--load-url URL]... --expected-total T --keys-file FILE [--timeout-seconds S]
//          [--per-key-url BASE]
//       Checks that every acknowledged (2xx) request was counted exactly once.
//       1) If a GET /load endpoint answers {"total":N,...}, waits until N == T (the cumulative number of 2xx answers
//          the bench got from this stack, warm-ups included), then checks it stays there.
//       2) Otherwise (404 or no endpoint: the case until GET /load exists) it POSTs {"key":K} once more for every key
//          K in FILE ("key K acked" lines) and checks the returned running count == acked + 1 (+ earlier 202
//          answers of this check). Keys are fresh per bench phase, so no other traffic touches them.
//       3) With --per-key-url (for batch summaries), also reads each key's count with GET BASE<key> (e.g.
//          http://127.0.0.1:18081/load/) and checks ACKED <= count <= UPPER and MAX_LOAD <= count for each "key K
//          ACKED UPPER [SUCCESS MAX_LOAD]" line, waiting while counts move towards ACKED, then for 2 s of no change.
//       Prints "PASS ..." or "FAILED ..." (one line per method), exit code 0 / 1; "extra N" = events this check
//       added itself.
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
            case "batch" -> System.exit(batch(opts));
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

    /**
     * A minimal blocking HTTP/1.1 keep-alive connection: Content-Length or chunked answers. With {@code keepBody} the
     * answer's body and its Retry-After header are kept ({@link #body}, {@link #retryAfter}); else the body is skipped.
     */
    static final class Conn {
        final java.net.Socket socket;
        final java.io.InputStream in;
        final java.io.OutputStream out;
        boolean closeAfter;
        boolean keepBody;
        java.io.ByteArrayOutputStream body;
        String retryAfter;

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
            retryAfter = null;
            body = keepBody ? new java.io.ByteArrayOutputStream(4096) : null;
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
                    case "retry-after" -> retryAfter = value;
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
                for (int c = in.read(); c >= 0; c = in.read()) {
                    if (body != null) {
                        body.write(c); // body until close
                    }
                }
                closeAfter = true;
            }
            return status;
        }

        private void skip(long n) throws IOException {
            if (body != null) {
                byte[] buf = new byte[8192];
                while (n > 0) {
                    int r = in.read(buf, 0, (int) Math.min(buf.length, n));
                    if (r < 0) {
                        throw new IOException("connection closed in body");
                    }
                    body.write(buf, 0, r);
                    n -= r;
                }
                return;
            }
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

    // ------------------------------------------------------------------------------------------------ batch

    /**
     * Closed loop on {@code POST /simulate/batch}: {@code connections} keep-alive connections, each on its own thread,
     * each sending its next batch as soon as the previous one is answered (after a 429 or 503, once Retry-After has
     * passed or the phase has ended). Every request is a fresh mix of {@code batch} events over the keys PREFIX-0 ..
     * PREFIX-(N-1). Each answer's results are read in request order: per key, the events answered "success" (not
     * duplicate), "accepted", "unavailable", "unconfirmed", and every load value handed out, so that a value handed
     * out twice for one key shows. Figures of the measured phase count the requests answered within it; requests
     * answered after it (in flight when it ended) and the warm-up count for the integrity check only.
     */
    static int batch(Map<String, List<String>> o) throws Exception {
        String url = one(o, "url", null);
        int batch = Integer.parseInt(one(o, "batch", "500"));
        int connections = Integer.parseInt(one(o, "connections", "8"));
        double seconds = Double.parseDouble(one(o, "seconds", "10"));
        double warmup = Double.parseDouble(one(o, "warmup-seconds", "0"));
        int nkeys = Integer.parseInt(one(o, "keys", "100"));
        String prefix = one(o, "prefix", "batch");
        String format = one(o, "format", "json");
        Path out = Path.of(one(o, "out", null));
        int timeoutMillis = (int) (1000 * Long.parseLong(one(o, "timeout-seconds", "30")));
        URI uri = URI.create(url);
        if (!java.net.InetAddress.getByName(uri.getHost()).isLoopbackAddress()) {
            System.err.println("batch: load goes to the loopback interface only, not to " + uri.getHost());
            return 2;
        }
        if (batch < 1 || connections < 1 || nkeys < 1 || seconds <= 0 || !format.matches("json|ndjson")) {
            System.err.println("batch: --batch, --connections, --keys >= 1, --seconds > 0, --format json|ndjson");
            return 2;
        }
        BatchRun run = new BatchRun(uri, batch, connections, nkeys, prefix, format.equals("ndjson"), timeoutMillis);
        run.run(warmup, seconds);
        run.write(out, warmup);
        System.out.println(run.line());
        return 0;
    }

    /** Per key: what the answers said, every phase together (for the integrity check). */
    static final class Tally {
        final long[] sent, success, duplicate, accepted, unavailable, unconfirmed, other, refused, unanswered;
        final long[][] loads;
        final int[] nloads;

        Tally(int keys) {
            sent = new long[keys];
            success = new long[keys];
            duplicate = new long[keys];
            accepted = new long[keys];
            unavailable = new long[keys];
            unconfirmed = new long[keys];
            other = new long[keys];
            refused = new long[keys];
            unanswered = new long[keys];
            loads = new long[keys][16];
            nloads = new int[keys];
        }

        void load(int key, long load) {
            if (nloads[key] == loads[key].length) {
                loads[key] = Arrays.copyOf(loads[key], loads[key].length * 2);
            }
            loads[key][nloads[key]++] = load;
        }
    }

    /** What the requests answered within the measured phase said. */
    static final class Window {
        long requests, events, success, duplicate, accepted, durable, unavailable, unconfirmed, other, refused,
                ioErrors, timeouts, drained, retryAfter;
        final Map<Integer, Long> statuses = new java.util.TreeMap<>();
        long[] latencies = new long[1024];
        int nlat;

        void latency(long nanos) {
            if (nlat == latencies.length) {
                latencies = Arrays.copyOf(latencies, nlat * 2);
            }
            latencies[nlat++] = nanos;
        }

        void add(Window w) {
            requests += w.requests;
            events += w.events;
            success += w.success;
            duplicate += w.duplicate;
            accepted += w.accepted;
            durable += w.durable;
            unavailable += w.unavailable;
            unconfirmed += w.unconfirmed;
            other += w.other;
            refused += w.refused;
            ioErrors += w.ioErrors;
            timeouts += w.timeouts;
            drained += w.drained;
            retryAfter += w.retryAfter;
            w.statuses.forEach((k, v) -> statuses.merge(k, v, Long::sum));
            for (int i = 0; i < w.nlat; i++) {
                latency(w.latencies[i]);
            }
        }
    }

    static final class BatchRun {
        final URI uri;
        final int batch, connections, nkeys;
        final String prefix;
        final boolean ndjson;
        final int timeoutMillis;
        final byte[][] eventBytes;
        final byte[] head;
        final String[] keyNames;
        final List<Tally> tallies = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<Window> windows = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicLong malformed = new AtomicLong(), keyMismatch = new AtomicLong(), unknownStatus = new AtomicLong();
        final java.util.concurrent.ConcurrentLinkedQueue<String> samples = new java.util.concurrent.ConcurrentLinkedQueue<>();
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
                eventBytes[i] = ("{\"key\":\"" + keyNames[i] + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            head = ("POST " + target + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nContent-Type: " + (ndjson ? "application/x-ndjson" : "application/json")
                    + "\r\nContent-Length: ").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }

        /** The warm-up (if any), then, once every request of it is answered, the measured phase. */
        void run(double warmup, double seconds) throws InterruptedException {
            long warmNanos = (long) (warmup * 1e9);
            windowNanos = (long) (seconds * 1e9);
            java.util.concurrent.CyclicBarrier between = new java.util.concurrent.CyclicBarrier(connections, () -> {
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

        private void work(java.util.concurrent.CyclicBarrier between) {
            Tally tally = new Tally(nkeys);
            tallies.add(tally);
            Conn[] conn = new Conn[1];
            java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
            int[] keys = new int[batch];
            try {
                if (between != null) {
                    phase(tally, null, conn, random, keys);
                    try {
                        between.await();
                    } catch (java.util.concurrent.BrokenBarrierException e) {
                        return;
                    }
                }
                Window window = new Window();
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
        private void phase(Tally tally, Window window, Conn[] conn, java.util.concurrent.ThreadLocalRandom random,
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
                Window w = null;
                try {
                    if (conn[0] == null) {
                        conn[0] = new Conn(uri, timeoutMillis);
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
                        if (e instanceof java.net.SocketTimeoutException) {
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
                String body = new String(conn[0].body.toByteArray(), java.nio.charset.StandardCharsets.UTF_8);
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

        private void results(int status, String body, int[] keys, Tally tally, Window w) {
            List<?> results = null;
            try {
                if (Json.parse(body) instanceof Map<?, ?> answer && answer.get("results") instanceof List<?> l) {
                    results = l;
                }
            } catch (RuntimeException e) {
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
                if (!(results.get(i) instanceof Map<?, ?> r)) {
                    malformed.incrementAndGet();
                    tally.unanswered[k]++;
                    continue;
                }
                if (!keyNames[k].equals(r.get("key"))) {
                    keyMismatch.incrementAndGet(); // not in request order, or the wrong key
                    if (samples.size() < 5) {
                        samples.add("result " + i + " is " + r + " for key " + keyNames[k]);
                    }
                }
                String st = String.valueOf(r.get("status"));
                switch (st) {
                    case "success" -> {
                        if (Boolean.TRUE.equals(r.get("duplicate"))) {
                            tally.duplicate[k]++;
                            if (w != null) {
                                w.duplicate++;
                            }
                        } else if (r.get("load") instanceof Long load) {
                            tally.success[k]++;
                            tally.load(k, load);
                            if (w != null) {
                                w.success++;
                            }
                        } else {
                            malformed.incrementAndGet(); // counted, but with no load to check
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
                            if (r.get("offset") instanceof Long) {
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

        private byte[] request(int[] keys) {
            int len = ndjson ? 0 : 2 + keys.length - 1;
            for (int k : keys) {
                len += eventBytes[k].length + (ndjson ? 1 : 0);
            }
            byte[] cl = (len + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
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

        Window window() {
            Window all = new Window();
            synchronized (windows) {
                windows.forEach(all::add);
            }
            Arrays.sort(all.latencies, 0, all.nlat);
            return all;
        }

        Tally tally() {
            Tally all = new Tally(nkeys);
            synchronized (tallies) {
                for (Tally t : tallies) {
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
                        for (int i = 0; i < t.nloads[k]; i++) {
                            all.load(k, t.loads[k][i]);
                        }
                    }
                }
            }
            return all;
        }

        String line;

        void write(Path out, double warmup) throws IOException {
            Window w = window();
            Tally t = tally();
            double secs = windowNanos / 1e9;
            long[] lat = Arrays.copyOf(w.latencies, w.nlat);
            long repeated = 0, keysRepeated = 0, acked = 0, maybe = 0, sent = 0;
            long[] maxLoad = new long[nkeys];
            for (int k = 0; k < nkeys; k++) {
                long[] l = Arrays.copyOf(t.loads[k], t.nloads[k]);
                Arrays.sort(l);
                long r = 0;
                for (int i = 1; i < l.length; i++) {
                    if (l[i] == l[i - 1]) {
                        r++;
                    }
                }
                repeated += r;
                keysRepeated += r > 0 ? 1 : 0;
                maxLoad[k] = l.length == 0 ? 0 : l[l.length - 1];
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
                p.printf("p50_us %d%np90_us %d%np99_us %d%np999_us %d%nmax_us %d%n", pct(lat, 50) / 1000,
                        pct(lat, 90) / 1000, pct(lat, 99) / 1000, pct(lat, 99.9) / 1000,
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
                    w.ioErrors + w.timeouts, pct(lat, 50) / 1e6, pct(lat, 99) / 1e6, acked, maybe, repeated,
                    malformed.get(), keyMismatch.get());
        }

        String line() {
            return line;
        }
    }

    /** A minimal JSON reader: objects (LinkedHashMap), arrays (List), strings, Long or Double, Boolean, null. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            Json j = new Json(text);
            Object v = j.value();
            j.ws();
            if (j.i != text.length()) {
                throw new IllegalArgumentException("trailing characters at " + j.i);
            }
            return v;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private Object value() {
            ws();
            if (i >= s.length()) {
                throw new IllegalArgumentException("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{' -> {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (s.charAt(i) == '}') {
                        i++;
                        return m;
                    }
                    while (true) {
                        ws();
                        String k = string();
                        ws();
                        expect(':');
                        m.put(k, value());
                        ws();
                        if (s.charAt(i) == ',') {
                            i++;
                        } else {
                            expect('}');
                            return m;
                        }
                    }
                }
                case '[' -> {
                    i++;
                    List<Object> l = new ArrayList<>();
                    ws();
                    if (s.charAt(i) == ']') {
                        i++;
                        return l;
                    }
                    while (true) {
                        l.add(value());
                        ws();
                        if (s.charAt(i) == ',') {
                            i++;
                        } else {
                            expect(']');
                            return l;
                        }
                    }
                }
                case '"' -> {
                    return string();
                }
                case 't' -> {
                    word("true");
                    return Boolean.TRUE;
                }
                case 'f' -> {
                    word("false");
                    return Boolean.FALSE;
                }
                case 'n' -> {
                    word("null");
                    return null;
                }
                default -> {
                    int start = i;
                    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                        i++;
                    }
                    String n = s.substring(start, i);
                    if (n.isEmpty()) {
                        throw new IllegalArgumentException("unexpected '" + c + "' at " + start);
                    }
                    return n.matches("-?\\d+") ? (Object) Long.parseLong(n) : (Object) Double.parseDouble(n);
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> b.append(e);
                }
            }
        }

        private void expect(char c) {
            if (i >= s.length() || s.charAt(i) != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + i);
            }
            i++;
        }

        private void word(String w) {
            if (!s.startsWith(w, i)) {
                throw new IllegalArgumentException("expected " + w + " at " + i);
            }
            i += w.length();
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
            if (!o.containsKey("per-key-url")) {
                return ok ? 0 : 1;
            }
            return verifyPerKey(client, one(o, "per-key-url", null), keysFile, deadline) == 0 && ok ? 0 : 1;
        }
        if (o.containsKey("per-key-url")) {
            return verifyPerKey(client, one(o, "per-key-url", null), keysFile, deadline);
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

    /**
     * Each key's count read with GET BASE/KEY ({@code {"load":N}}; 404 = 0) against its line "key K ACKED UPPER
     * [SUCCESS MAX_LOAD]" of FILE: ACKED <= count <= UPPER, and no load handed out above the final count. Waits while
     * counts move towards ACKED (events accepted but not counted yet), giving up after 30 s without progress or at
     * the deadline, then until they stay put for 2 s (a double count may still be on its way).
     */
    static int verifyPerKey(HttpClient client, String base, Path keysFile, long deadline) throws Exception {
        Map<String, long[]> keys = new LinkedHashMap<>();
        for (String line : Files.readAllLines(keysFile)) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].equals("key")) {
                long[] v = new long[4];
                for (int i = 0; i < 4 && i + 2 < f.length; i++) {
                    v[i] = Long.parseLong(f[i + 2]);
                }
                keys.put(f[1], v);
            }
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        long behind = Long.MAX_VALUE;
        long lastProgress = System.nanoTime();
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            boolean changed = false;
            long nowBehind = 0;
            for (Map.Entry<String, long[]> e : keys.entrySet()) {
                long c = keyLoad(client, base, e.getKey());
                if (c < 0) {
                    changed = true; // not readable now (503 while rebalancing): ask again
                    nowBehind++;
                    continue;
                }
                Long before = counts.put(e.getKey(), c);
                changed |= before == null || before != c;
                nowBehind += Math.max(0, e.getValue()[0] - c);
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
        for (Map.Entry<String, long[]> e : keys.entrySet()) {
            long[] v = e.getValue();
            Long c = counts.get(e.getKey());
            acked += v[0];
            upper += v[1];
            if (c == null) {
                problems.put(e.getKey(), "count not readable");
                continue;
            }
            counted += c;
            if (c < v[0]) {
                problems.put(e.getKey(), "lost " + (v[0] - c) + " (acked " + v[0] + ", count " + c + ")");
            } else if (c > v[1]) {
                problems.put(e.getKey(), "doubled " + (c - v[1]) + " (at most " + v[1] + ", count " + c + ")");
            } else if (v[3] > c) {
                problems.put(e.getKey(), "load " + v[3] + " handed out, count only " + c);
            }
        }
        StringBuilder detail = new StringBuilder();
        problems.entrySet().stream().limit(5).forEach(p -> detail.append(" [").append(p.getKey()).append(": ")
                .append(p.getValue()).append(']'));
        System.out.printf("%s method=per-key keys=%d acked=%d counted=%d upper=%d bad_keys=%d%s extra 0%n",
                problems.isEmpty() ? "PASS" : "FAILED", keys.size(), acked, counted, upper, problems.size(), detail);
        return problems.isEmpty() ? 0 : 1;
    }

    /** GET BASE/KEY's "load"; 0 for 404 (never counted); -1 when it cannot be read now. */
    static long keyLoad(HttpClient client, String base, String key) {
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + key))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 404) {
                return 0;
            }
            Matcher m = LOAD.matcher(r.body());
            return r.statusCode() == 200 && m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
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
        System.err.println("usage: BenchTool openloop|batch|verify|total [--name value]... (see the header of BenchTool.java)");
        System.exit(2);
    }
}
