package dev.surge.stack.cli;

import dev.surge.stack.GracefulStop;
import dev.surge.stack.ManagedProcess;
import dev.surge.stack.Ports;
import dev.surge.stack.Readiness;
import dev.surge.stack.Role;
import dev.surge.stack.ServiceJdk;
import dev.surge.stack.ServiceLauncher;
import dev.surge.stack.StackFile;
import dev.surge.stack.StackProcess;
import dev.surge.stack.StackState;
import dev.surge.stack.UpOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./surge start ROLE}: one more counter-streams or ingest-api process, joined to the stack running from
 * {@code DATA_DIR} (Kafka from its {@code stack.json}). It is listed in {@code stack.json} the moment it starts, so
 * {@code ./surge down} stops it even when this command is interrupted; if it is not ready in time, this command
 * stops it and removes it again.
 */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = {"Start one more counter-streams or ingest-api process in the running stack and wait until it "
                + "is ready.",
                "A new counter-streams answers queries at once (instances forward queries among themselves); "
                        + "ingest-api instances already running keep the counter-streams list they started with."})
final class StartCommand implements Callable<Integer> {
    private static final Duration READY_WITHIN = Duration.ofSeconds(120);

    private final Path home;
    private final PrintStream out;
    private final Readiness readiness;
    private final GracefulStop stop;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;
    @Mixin
    private DataDirOption dataDir;
    @Parameters(paramLabel = "ROLE", description = "counter-streams or ingest-api")
    private Role role;
    @Option(names = "--port", paramLabel = "N",
            description = "HTTP port (default: the first free one after the role's highest port)")
    private Integer port;

    StartCommand(Path home, PrintStream out, Readiness readiness, GracefulStop stop) {
        this.home = home;
        this.out = out;
        this.readiness = readiness;
        this.stop = stop;
    }

    @Override
    public Integer call() throws Exception {
        if (role == Role.BROKER) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "start adds counter-streams or ingest-api; the broker is started by ./surge up");
        }
        StackFile stackFile = dataDir.stackFile();
        StackProcess started;
        ManagedProcess process;
        // Choosing the port and state dir, starting, and listing happen under the lock: two starts at once never
        // pick the same port or state directory.
        try (StackFile.Lock lock = stackFile.lock()) {
            StackState stack = lock.read().orElseGet(dataDir::runningStack);
            if (stack.launcher() != null && !stack.launcher().alive()) {
                out.println("surge: warning: the launcher of ./surge up (pid " + stack.launcher().pid() + ") is gone;"
                        + " ./surge down still stops everything listed");
            }
            if (port != null) {
                // A listed process may not listen yet (still starting), so the port check below would pass.
                stack.processes().stream().filter(listed -> listed.port() == port && listed.alive()).findFirst()
                        .ifPresent(listed -> {
                            throw new IllegalStateException("port " + port + " is already listed in "
                                    + stackFile.path() + " for " + listed.role() + " (pid " + listed.pid()
                                    + "): pick another --port");
                        });
            }
            int chosenPort = port != null ? port : Ports.firstFree(nextPort(stack), listedPorts(stack));
            Ports.requireFree(chosenPort);
            ServiceJdk jdk = ServiceJdk.forAddedInstance(System.getenv(), Optional.ofNullable(stack.java())
                    .map(Path::of), warning -> out.println("surge: warning: " + warning));
            // a stack on the embedded cluster lists its brokers: an instance added there creates what it creates
            // (a Streams internal topic, say) with the cluster's replication, as the instances ./surge up started
            ServiceLauncher launcher = new ServiceLauncher(home, stackFile.dataDir().resolve("logs"), stack.kafka(),
                    stack.partitions(), stack.of(Role.BROKER).size() >= UpOptions.CLUSTER_BROKERS
                    ? UpOptions.CLUSTER_BROKERS : 1, jdk);
            String stateDir = null;
            if (role == Role.COUNTER_STREAMS) {
                Path dir = freeStateDir(stack, stackFile.dataDir());
                stateDir = dir.toString();
                process = launcher.launchCounter(chosenPort, dir);
            } else {
                int apis = stack.of(Role.INGEST_API).size() + 1;
                if (apis > stack.partitions()) {
                    out.println("surge: warning: " + apis + " ingest-api instances but " + stack.partitions()
                            + " load-acks partitions: one of them will stay not ready");
                }
                process = launcher.launchApi(chosenPort, stack.of(Role.COUNTER_STREAMS).stream()
                        .map(StackProcess::port).toList());
            }
            started = StackProcess.of(role, process.process().toHandle(), chosenPort, process.log().toString(),
                    stateDir);
            lock.write(stack.with(started));
        }
        out.println("Starting " + role + " on 127.0.0.1:" + started.port() + " (pid " + started.pid() + ", log "
                + started.log() + ") ...");
        try {
            readiness.await(process, READY_WITHIN, () -> readiness.ready(started.port()));
        } catch (InterruptedException | RuntimeException e) {
            stop.stop(started);
            stackFile.update(stack -> stack.without(started.pid()));
            throw e;
        }
        out.println(role + " pid " + started.pid() + " port " + started.port() + " ready");
        return 0;
    }

    /** Right after the highest port of this role, or after the highest listed port when none of it runs. */
    private int nextPort(StackState stack) {
        return stack.of(role).stream().mapToInt(StackProcess::port).max()
                .orElseGet(() -> stack.processes().stream().mapToInt(StackProcess::port).max().orElse(8080)) + 1;
    }

    private static Set<Integer> listedPorts(StackState stack) {
        return stack.processes().stream().map(StackProcess::port).collect(Collectors.toSet());
    }

    /** counter-streams-N with the smallest N no listed instance uses: a stopped instance's warm state is reused. */
    private static Path freeStateDir(StackState stack, Path dataDir) {
        Set<String> used = stack.of(Role.COUNTER_STREAMS).stream().map(StackProcess::stateDir)
                .collect(Collectors.toSet());
        for (int n = 1; ; n++) {
            Path candidate = dataDir.resolve("counter-streams-" + n);
            if (!used.contains(candidate.toString())) {
                return candidate;
            }
        }
    }
}
