package dev.surge.counter;

import dev.surge.common.config.Settings;
import dev.surge.common.startup.ClassDataArchive;
import dev.surge.common.startup.ExitOnFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires counter-streams from the environment and runs it until SIGTERM/SIGINT. A process that cannot count exits 1
 * with the reason (start failed, or Streams failed for good), so a supervisor restarts it instead of leaving it
 * half-started.
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) {
        CounterConfig config = CounterConfig.from(Settings.fromEnvironment(System.getenv()));
        CounterService service = new CounterService(config);
        try {
            service.start();
        } catch (RuntimeException e) {
            LOG.error("counter-streams could not start: {}", e.getMessage(), e);
            service.close();
            System.exit(1);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "counter-streams-shutdown"));
        ClassDataArchive.dumpIfAsked(System.getenv());
        ExitOnFailure.watch("counter-streams", service.failed());
    }
}
