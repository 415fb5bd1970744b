package dev.surge.ingest;

import dev.surge.common.config.Settings;
import dev.surge.common.startup.ClassDataArchive;
import dev.surge.common.startup.ExitOnFailure;

/**
 * Wires ingest-api from the environment and runs it until SIGTERM/SIGINT. An instance that can no longer answer with
 * counts (its ack consumer failed for good) exits 1 with the reason, so a supervisor restarts it instead of leaving
 * it up answering 202.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        IngestConfig config = IngestConfig.from(Settings.fromEnvironment(System.getenv()));
        IngestServer server = IngestServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "ingest-api-shutdown"));
        ClassDataArchive.dumpIfAsked(System.getenv());
        ExitOnFailure.watch("ingest-api", server.failed());
    }
}
