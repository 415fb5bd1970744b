package dev.surge.stack.cli;

import dev.surge.stack.faults.FaultRun;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./surge faults}: fault injection against a stack of its own, with every request checked afterwards. */
@Command(name = "faults", mixinStandardHelpOptions = true,
        description = {"Start a stack of its own (broker, 2 counter-streams, 2 ingest-api, 127.0.0.1 only), post "
                + "events at a steady rate with a client that records every request, inject one fault after the "
                + "other, and after each check that no accepted event was lost or counted twice (I1-I4, README "
                + "\"Guarantees\").",
                "Exit 0 only if every invariant and every scenario's promise held.",
                "Scenarios: counter-kill, counter-pause, poison, api-kill, api-stop, counter-stop, slow-clients,"
                        + " broker-kill, broker-pause, rescale-kill.",
                "With --brokers 3 (three brokers, topics with 3 replicas, min.insync.replicas=2): leader-kill, "
                        + "coordinator-kill, controller-kill, two-brokers-down."})
final class FaultsCommand implements Callable<Integer> {
    private final Path home;
    private final PrintStream out;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "where the run's stack keeps data and logs (default: data/faults-DATE-TIME, new each run)")
    private Path dataDir;
    @Option(names = "--scenario", paramLabel = "NAME", split = ",",
            description = "run only these, in this order (default: all)")
    private List<String> scenarios = List.of();
    @Option(names = "--long", description = "soak: longer faults, and every scenario --rounds times")
    private boolean soak;
    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
            description = "rounds of --long (default: ${DEFAULT-VALUE})")
    private int rounds;
    @Option(names = "--rate", paramLabel = "N", defaultValue = "100",
            description = "events per second (default: ${DEFAULT-VALUE})")
    private int rate;
    @Option(names = "--clients", paramLabel = "N", defaultValue = "16",
            description = "concurrent clients (default: ${DEFAULT-VALUE})")
    private int clients;
    @Option(names = "--keys", paramLabel = "N", defaultValue = "24",
            description = "load keys (default: ${DEFAULT-VALUE})")
    private int keys;
    @Option(names = "--first-port", paramLabel = "N", defaultValue = "27180",
            description = "ports are picked free from here up; below the OS's ephemeral range (32768 up on Linux), where client connections can take a port between the check and the bind (default: ${DEFAULT-VALUE})")
    private int firstPort;

    @Option(names = "--brokers", paramLabel = "N", defaultValue = "1",
            description = "1, or 3 for the embedded cluster and its scenarios (default: ${DEFAULT-VALUE})")
    private int brokers;

    FaultsCommand(Path home, PrintStream out) {
        this.home = home;
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        Path dir = dataDir != null ? dataDir : home.resolve("data").resolve("faults-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (Files.exists(dir.resolve("stack.json"))) {
            throw new CommandLine.ParameterException(spec.commandLine(), dir + " already holds a stack: a fault run "
                    + "starts from an empty directory");
        }
        FaultRun.Options options;
        try {
            options = new FaultRun.Options(home, dir, scenarios, soak, soak ? rounds : 1, rate, clients, keys,
                    firstPort, brokers);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        return new FaultRun(options, out).run().held() ? 0 : 1;
    }
}
