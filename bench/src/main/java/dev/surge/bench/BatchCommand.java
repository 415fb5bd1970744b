package dev.surge.bench;

import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
    @Mixin LoadTarget target;
    @Option(names = "--batch", defaultValue = "500") int batch;
    @Option(names = "--connections", defaultValue = "8") int connections;
    @Option(names = "--prefix", defaultValue = "batch") String prefix;
    @Option(names = "--format", defaultValue = "json") String format;
    @Option(names = "--timeout-seconds", defaultValue = "30") long timeoutSeconds;

    /** The URL to load, once every setting is checked (else a usage error: exit code 2, nothing sent). */
    URI checked() {
        URI uri = target.uri();
        if (batch < 1 || connections < 1 || timeoutSeconds < 1 || !format.matches("json|ndjson")) {
            throw target.usage("--batch, --connections, --timeout-seconds >= 1, --format json|ndjson");
        }
        return uri;
    }

    @Override
    public Integer call() throws Exception {
        URI uri = checked();
        BatchRun run = new BatchRun(uri, batch, connections, target.keys, prefix, format.equals("ndjson"),
                (int) (1000 * timeoutSeconds));
        run.run(target.warmup, target.seconds);
        run.write(target.out, target.warmup);
        System.out.println(run.line());
        return 0;
    }
}
