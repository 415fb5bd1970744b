package dev.surge.ingest;

import dev.surge.common.config.Settings;
import dev.surge.common.startup.ClassDataArchive;

/** Wires ingest-api from the environment and runs it until SIGTERM/SIGINT. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        IngestConfig config = IngestConfig.from(Settings.fromEnvironment(System.getenv()));
        IngestServer server = IngestServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "ingest-api-shutdown"));
        ClassDataArchive.dumpIfAsked(System.getenv());
    }
}
