package dev.surge.bench;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Closed loop on POST /simulate/batch (loopback only), see {@link BatchRun}. Writes "name value" lines
 * (events_success, success_per_s, accepted_per_s, requests_per_s, p50_us, p99_us, status_N, loads_repeated,
 * malformed, key_mismatch, acked_events, unanswered, ...) and "key K ACKED UPPER SUCCESS MAX_LOAD" lines: ACKED =
 * events answered success or accepted, UPPER = ACKED + events that may or may not have been written (no answer,
 * "unconfirmed", 504, a status it does not know).
 */
@Command(name = "batch", description = "Closed loop on POST /simulate/batch (loopback only).")
final class BatchCommand implements Callable<Integer> {
    @Option(names = "--url", required = true) String url;
    @Option(names = "--batch", defaultValue = "500") int batch;
    @Option(names = "--connections", defaultValue = "8") int connections;
    @Option(names = "--seconds", defaultValue = "10") double seconds;
    @Option(names = "--warmup-seconds", defaultValue = "0") double warmup;
    @Option(names = "--keys", defaultValue = "100") int keys;
    @Option(names = "--prefix", defaultValue = "batch") String prefix;
    @Option(names = "--format", defaultValue = "json") String format;
    @Option(names = "--out", required = true) Path out;
    @Option(names = "--timeout-seconds", defaultValue = "30") long timeoutSeconds;

    /** Why these settings cannot run, or null. */
    String invalid() {
        if (batch < 1 || connections < 1 || keys < 1 || seconds <= 0 || !format.matches("json|ndjson")) {
            return "batch: --batch, --connections, --keys >= 1, --seconds > 0, --format json|ndjson";
        }
        return null;
    }

    @Override
    public Integer call() throws Exception {
        URI uri = URI.create(url);
        if (!InetAddress.getByName(uri.getHost()).isLoopbackAddress()) {
            System.err.println("batch: load goes to the loopback interface only, not to " + uri.getHost());
            return 2;
        }
        String problem = invalid();
        if (problem != null) {
            System.err.println(problem);
            return 2;
        }
        BatchRun run = new BatchRun(uri, batch, connections, keys, prefix, format.equals("ndjson"),
                (int) (1000 * timeoutSeconds));
        run.run(warmup, seconds);
        run.write(out, warmup);
        System.out.println(run.line());
        return 0;
    }
}
