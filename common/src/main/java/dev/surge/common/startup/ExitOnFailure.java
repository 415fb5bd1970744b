package dev.surge.common.startup;

import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service that can no longer do its job exits 1 with the reason, so that a supervisor restarts it instead of
 * leaving it up half-working. The shutdown hooks still run (System.exit), so what can be drained is drained.
 */
public final class ExitOnFailure {
    private static final Logger LOG = LoggerFactory.getLogger(ExitOnFailure.class);

    private ExitOnFailure() {
    }

    /** Exits 1 once {@code failed} completes with its reason; never on the thread that completed it. */
    public static void watch(String service, CompletableFuture<String> failed) {
        failed.thenAcceptAsync(reason -> {
            LOG.error("{} exits: {}", service, reason);
            System.exit(1);
        });
    }
}
