package dev.surge.stack.cli;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.Settings;
import dev.surge.stack.GracefulStop;
import dev.surge.stack.LocalStack;
import dev.surge.stack.Readiness;
import dev.surge.stack.UpOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./surge up}: starts the local stack and keeps it running until Ctrl-C, SIGTERM or {@code ./surge down}. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start a Kafka broker (three with --brokers 3; none with --kafka), counter-streams and ingest-api on 127.0.0.1, and keep "
                + "them running until Ctrl-C or ./surge down.",
                "Ports: ingest-api on --port, --port+1, ...; counter-streams on --counter-port, +1, ... (default: "
                        + "right after the APIs, so 8081 with one API on 8080)."})
final class UpCommand implements Callable<Integer> {
    private final Path home;
    private final PrintStream out;
    private final Readiness readiness;
    private final GracefulStop stop;
    private final Map<String, String> environment;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;
    @Mixin
    private DataDirOption dataDir;

    @Option(names = "--kafka", paramLabel = "HOST:PORT",
            description = "use this Kafka cluster instead of starting the embedded broker")
    private String kafka;
    @Option(names = "--partitions", paramLabel = "N", defaultValue = "12",
            description = "partitions of load-events and load-acks when created (default: ${DEFAULT-VALUE})")
    private int partitions;
    @Option(names = "--api-instances", paramLabel = "N", defaultValue = "1",
            description = "ingest-api processes, at most 12 and at most --partitions (default: ${DEFAULT-VALUE})")
    private int apiInstances;
    @Option(names = "--counter-instances", paramLabel = "M", defaultValue = "1",
            description = "counter-streams processes (default: ${DEFAULT-VALUE})")
    private int counterInstances;
    @Option(names = "--port", paramLabel = "N", defaultValue = "8080",
            description = "first ingest-api HTTP port (default: ${DEFAULT-VALUE})")
    private int apiPort;
    @Option(names = "--counter-port", paramLabel = "N",
            description = "first counter-streams HTTP port (default: --port + --api-instances)")
    private Integer counterPort;
    @Option(names = "--brokers", paramLabel = "N", defaultValue = "1",
            description = "embedded brokers: 1, or 3 for a cluster (broker and KRaft voter each, topics with 3 "
                    + "replicas and min.insync.replicas=2) (default: ${DEFAULT-VALUE})")
    private int brokers;
    @Option(names = "--broker-port", paramLabel = "N", defaultValue = "9092",
            description = "embedded broker port; with --brokers 3 the first of three (default: ${DEFAULT-VALUE})")
    private int brokerPort;
    @Option(names = "--controller-port", paramLabel = "N",
            description = "embedded broker's KRaft controller port; with --brokers 3 the first of three (default: "
                    + "right after the brokers' ports, --broker-port + --brokers)")
    private Integer controllerPort;

    /** @param environment what the services will inherit: their {@code SURGE_KAFKA_*} settings are read from it */
    UpCommand(Path home, PrintStream out, Readiness readiness, GracefulStop stop, Map<String, String> environment) {
        this.home = home;
        this.out = out;
        this.readiness = readiness;
        this.stop = stop;
        this.environment = environment;
    }

    /** The parsed options, validated; a bad combination is a usage error (exit 2). */
    UpOptions options() {
        try {
            return new UpOptions(home, dataDir.dataDir, Optional.ofNullable(kafka), brokers, brokerPort,
                    controllerPort == null ? brokerPort + brokers : controllerPort, apiPort, apiInstances,
                    counterPort == null ? apiPort + apiInstances : counterPort, counterInstances, partitions,
                    KafkaSettings.from(Settings.fromEnvironment(environment)));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        UpOptions options = options();
        LocalStack stack = LocalStack.create(options, out, readiness, stop);
        // Before anything starts: a Ctrl-C during start-up stops what has started so far.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (stack.stop()) {
                out.println("Surge stopped.");
            }
        }, "surge-down"));
        stack.start();
        if (!stack.superviseUntilClosed()) {
            out.println("surge: no process of the stack runs any more; the launcher exits");
            return 1;
        }
        return 0;
    }
}
