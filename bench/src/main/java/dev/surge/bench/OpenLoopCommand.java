package dev.surge.bench;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLongArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Fixed-rate open model (what wrk2 does; wrk2 is not in Debian; loopback only): request i is due at start + i/R
 * whatever happened to earlier ones, and goes out on the first of C keep-alive connections that is free. Latency is
 * measured from the time a request was DUE, not from when it was sent, so a server (or client) that falls behind shows
 * its queueing delay (no coordinated omission). Writes the same summary format as bench/simulate.lua, plus the service
 * time (from actual send) for comparison. The requests go out on loadgen's Netty client (the one {@code ./surge spike}
 * uses), on one event-loop thread: until 2026-12-02 this was one thread per connection with blocking sockets, and
 * with hundreds of connections those threads, on the cores Surge runs on, added to the latency they measured.
 */
@Command(name = "openloop", description = "Fixed-rate open-model load; latency from each request's due time.")
final class OpenLoopCommand implements Callable<Integer> {
    @Mixin LoadTarget target;
    @Option(names = "--rate", required = true) double rate;
    @Option(names = "--prefix", defaultValue = "open") String prefix;
    @Option(names = "--connections", defaultValue = "256") int connections;
    @Option(names = "--timeout-seconds", defaultValue = "10") long timeoutSeconds;

    /** The URL to load, once every setting is checked (else a usage error: exit code 2, nothing sent). */
    URI checked() {
        URI uri = target.uri();
        if (rate <= 0 || connections < 1 || timeoutSeconds < 1) {
            throw target.usage("--rate > 0, --connections >= 1, --timeout-seconds >= 1");
        }
        return uri;
    }

    /** The body of each key's requests: {"key":"PREFIX-i"}. */
    static byte[][] bodies(String prefix, int keys) {
        byte[][] bodies = new byte[keys][];
        for (int i = 0; i < keys; i++) {
            bodies[i] = ("{\"key\":\"" + prefix + "-" + i + "\"}").getBytes(StandardCharsets.UTF_8);
        }
        return bodies;
    }

    @Override
    public Integer call() throws Exception {
        URI uri = checked();
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        int keys = target.keys;
        double warmup = target.warmup;
        double seconds = target.seconds;
        byte[][] bodies = bodies(prefix, keys);
        AtomicLongArray acked = new AtomicLongArray(keys);
        AtomicLongArray sent = new AtomicLongArray(keys);
        long warmUnanswered = 0;
        if (warmup > 0) {
            // same JVM, same rate: warms the generator's own JIT too. Its requests count for the integrity check.
            OpenLoopPhase w = new OpenLoopPhase(uri, bodies, rate, warmup, connections, acked, sent);
            w.run(timeout);
            warmUnanswered = w.ioErrors + w.timeouts;
        }
        OpenLoopPhase p = new OpenLoopPhase(uri, bodies, rate, seconds, connections, acked, sent);
        p.run(timeout);

        long[] lat = p.completedLatencies(p.dueLatency);
        long[] svc = p.completedLatencies(p.serviceLatency);
        long s2xx = p.s2xx;
        long[] gap = p.longestWithout200(keys);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(target.out))) {
            w.printf("requests %d%n", lat.length);
            w.printf("scheduled %d%n", p.total);
            w.printf("rate_target %.1f%n", rate);
            w.printf("duration_us %d%n", p.elapsedNanos / 1000);
            w.printf("s2xx %d%ns200 %d%ns202 %d%nnon2xx %d%n", s2xx, p.s200, p.s202, p.non2xx);
            w.printf("err_connect 0%nerr_read %d%nerr_write 0%nerr_timeout %d%n", p.ioErrors,
                    p.timeouts + p.notSent);
            w.printf("not_sent %d%n", p.notSent);
            w.printf("connections %d%nmax_busy_connections %d%nsent_late %d%n", connections,
                    p.maxInflightSeen, p.late);
            w.printf("s2xx_incl_warmup %d%n", Percentiles.sum(acked));
            w.printf("sent %d%n", Percentiles.sum(sent));
            w.printf("unanswered %d%n", warmUnanswered + p.ioErrors + p.timeouts);
            w.printf("mean_us %.0f%n", Arrays.stream(lat).average().orElse(0) / 1000.0);
            w.printf("p50_us %d%np90_us %d%np99_us %d%np999_us %d%nmax_us %d%n", Percentiles.pct(lat, 50) / 1000,
                    Percentiles.pct(lat, 90) / 1000, Percentiles.pct(lat, 99) / 1000,
                    Percentiles.pct(lat, 99.9) / 1000, lat.length == 0 ? 0 : lat[lat.length - 1] / 1000);
            w.printf("svc_p50_us %d%nsvc_p99_us %d%nsvc_p999_us %d%n", Percentiles.pct(svc, 50) / 1000,
                    Percentiles.pct(svc, 99) / 1000, Percentiles.pct(svc, 99.9) / 1000);
            w.printf("longest_without_200_ms %d%nlongest_without_200_from_ms %d%nlongest_without_200_one_key_ms %d%n",
                    gap[0], gap[1], gap[2]);
            for (int i = 0; i < keys; i++) {
                w.printf("key %s-%d %d %d%n", prefix, i, acked.get(i), sent.get(i));
            }
        }
        System.out.printf("open loop %.0f/s for %.0f s: %d due, %d answered 2xx (%d x 202), %d non-2xx, %d errors, "
                        + "p50 %.1f ms p99 %.1f ms p99.9 %.1f ms (from due time); longest stretch without a 200: "
                        + "%d ms (from +%.1f s), for one key %d ms%n", rate, seconds, p.total, s2xx, p.s202,
                p.non2xx, p.ioErrors + p.timeouts + p.notSent, Percentiles.pct(lat, 50) / 1e6,
                Percentiles.pct(lat, 99) / 1e6, Percentiles.pct(lat, 99.9) / 1e6, gap[0], gap[1] / 1000.0, gap[2]);
        return 0;
    }
}
