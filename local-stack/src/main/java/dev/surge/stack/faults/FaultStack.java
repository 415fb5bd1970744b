package dev.surge.stack.faults;

import dev.surge.stack.GracefulStop;
import dev.surge.stack.LocalStack;
import dev.surge.stack.ManagedProcess;
import dev.surge.stack.Readiness;
import dev.surge.stack.Role;
import dev.surge.stack.ServiceLauncher;
import dev.surge.stack.StackFile;
import dev.surge.stack.StackProcess;
import dev.surge.stack.UpOptions;
import dev.surge.common.config.KafkaSettings;
import dev.surge.common.countpath.CountPath;
import dev.surge.common.countpath.CountPathWatcher;
import java.io.IOException;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The stack a fault run works on: {@link LocalStack} started as {@code ./surge up} starts it, plus what the scenarios
 * do to its processes (SIGKILL, SIGSTOP/SIGCONT, SIGTERM) and the restart of a process on its own port and state
 * directory. Every process it starts is listed in {@code stack.json}, so closing the stack stops it too.
 */
final class FaultStack implements AutoCloseable {
    private static final Duration READY_WITHIN = Duration.ofSeconds(120);

    private final UpOptions options;
    private final LocalStack stack;
    private final StackFile stackFile;
    private final ServiceLauncher launcher;
    private final Readiness readiness;
    private final GracefulStop stop;

    private final Thread shutdownHook;
    /** {@code ./surge rescale} processes started by a scenario: not in stack.json, so stopped here. */
    private final List<Process> rescales;

    private FaultStack(UpOptions options, LocalStack stack, Readiness readiness, GracefulStop stop,
                       Thread shutdownHook, List<Process> rescales) {
        this.shutdownHook = shutdownHook;
        this.rescales = rescales;
        this.options = options;
        this.stack = stack;
        this.stackFile = new StackFile(options.dataDir());
        this.launcher = new ServiceLauncher(options.home(), stackFile.dataDir().resolve("logs"),
                options.bootstrapServers(), options.partitions(), options.replicationFactor());
        this.readiness = readiness;
        this.stop = stop;
    }

    /**
     * Starts the stack. A shutdown hook stops it (and everything a scenario restarted, all listed in
     * {@code stack.json}) if the run is interrupted, during start-up too.
     */
    static FaultStack start(UpOptions options, PrintStream out, Readiness readiness, GracefulStop stop)
            throws IOException, InterruptedException {
        LocalStack stack = LocalStack.create(options, out, readiness, stop);
        List<Process> rescales = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread hook = new Thread(() -> {
            rescales.forEach(Process::destroyForcibly);
            stack.stop();
        }, "surge-faults-down");
        Runtime.getRuntime().addShutdownHook(hook);
        stack.start();
        return new FaultStack(options, stack, readiness, stop, hook, rescales);
    }

    String bootstrapServers() {
        return options.bootstrapServers();
    }

    Path dataDir() {
        return options.dataDir();
    }

    /** The listed processes of {@code role} that run, by port. */
    List<StackProcess> running(Role role) {
        return stackFile.read().orElseThrow().of(role).stream().filter(StackProcess::alive)
                .sorted(Comparator.comparingInt(StackProcess::port)).toList();
    }

    /** Listed processes of {@code role} that no longer run (they exited on their own, or a scenario stopped them). */
    List<StackProcess> listedButDead(Role role) {
        return stackFile.read().orElseThrow().of(role).stream().filter(p -> !p.alive()).toList();
    }

    List<Integer> apiPorts() {
        return ports(options.apiPort(), options.apiInstances());
    }

    private static List<Integer> ports(int first, int count) {
        return java.util.stream.IntStream.range(first, first + count).boxed().toList();
    }

    /** The listed broker that is node {@code node} of the embedded cluster (node i + 1 on the i-th broker port). */
    StackProcess broker(int node) {
        int port = options.brokerPort() + node - 1;
        return stackFile.read().orElseThrow().of(Role.BROKER).stream().filter(p -> p.port() == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("no broker listed on port " + port));
    }

    /** SIGKILL; returns once the process is gone. It stays listed until {@link #restart} replaces it. */
    void kill(StackProcess process) throws InterruptedException {
        ProcessHandle handle = process.handle().orElseThrow(() -> new IllegalStateException(process.role() + " pid "
                + process.pid() + " is not running"));
        handle.destroyForcibly();
        awaitExit(handle);
    }

    /** SIGSTOP: the process keeps its sockets and its place in every group, but does nothing. */
    void pause(StackProcess process) throws IOException, InterruptedException {
        signal("STOP", process);
    }

    /** SIGCONT after {@link #pause}. */
    void resume(StackProcess process) throws IOException, InterruptedException {
        signal("CONT", process);
    }

    /** SIGTERM and wait for the exit, as {@code ./surge stop} does; the process stays listed until restarted. */
    GracefulStop.Outcome stopGracefully(StackProcess process) {
        return stop.stop(process);
    }

    /**
     * Starts {@code gone}'s role again on its port (and, for counter-streams, its state directory), replaces its
     * entry in {@code stack.json} and waits until it is ready.
     */
    StackProcess restart(StackProcess gone) throws IOException, InterruptedException {
        return restartTogether(List.of(gone)).get(0);
    }

    /**
     * Starts all of {@code gone} again at once, then waits until each is ready: two brokers of the cluster restarted
     * one after the other would wait for each other (one of three voters elects no leader).
     */
    List<StackProcess> restartTogether(List<StackProcess> gone) throws IOException, InterruptedException {
        List<ManagedProcess> processes = new java.util.ArrayList<>();
        List<StackProcess> started = new java.util.ArrayList<>();
        for (StackProcess process : gone) {
            ManagedProcess restarted = launch(process);
            processes.add(restarted);
            started.add(StackProcess.of(Role.of(process.role()), restarted.process().toHandle(), process.port(),
                    restarted.log().toString(), process.stateDir()));
            stackFile.update(state -> state.without(process.pid()).with(started.get(started.size() - 1)));
        }
        for (int i = 0; i < gone.size(); i++) {
            StackProcess process = gone.get(i);
            readiness.await(processes.get(i), READY_WITHIN, !process.is(Role.BROKER)
                    ? () -> readiness.ready(process.port())
                    : options.cluster() ? () -> answersItself(process.port())
                    : () -> readiness.kafkaAnswers(options.kafkaClient()));
        }
        return started;
    }

    /**
     * Whether the broker on {@code port} answers a describe-cluster itself: a restarted broker opens its listener only
     * once it has registered again. (The cluster as a whole may still list the dead incarnation: a controller fences
     * it only one session after its last heartbeat, and with two of three down there is no controller at all.)
     */
    private boolean answersItself(int port) {
        return readiness.kafkaAnswers(options.kafkaClient().withBootstrapServers("127.0.0.1:" + port));
    }

    /** Starts {@code gone}'s role again on its port (and, for counter-streams, its state directory). */
    private ManagedProcess launch(StackProcess gone) throws IOException {
        if (gone.alive()) {
            throw new IllegalStateException(gone.role() + " pid " + gone.pid() + " still runs");
        }
        Role role = Role.of(gone.role());
        int node = gone.port() - options.brokerPort() + 1;
        return switch (role) {
            case BROKER -> options.cluster()
                    ? launcher.launchClusterBroker(node, gone.port(), options.controllerPort() + node - 1,
                    stack.brokerDir(node), stack.clusterId(), options.voters())
                    : launcher.launchBroker(options.brokerPort(), options.controllerPort(), stack.brokerDir());
            case COUNTER_STREAMS -> launcher.launchCounter(gone.port(), Path.of(gone.stateDir()));
            case INGEST_API -> launcher.launchApi(gone.port(),
                    ports(options.counterPort(), options.counterInstances()));
        };
    }

    /** Starts again every listed process that no longer runs, the broker first; returns what it restarted. */
    List<String> restoreAll() throws IOException, InterruptedException {
        List<String> restarted = new java.util.ArrayList<>();
        for (Role role : List.of(Role.BROKER, Role.COUNTER_STREAMS, Role.INGEST_API)) {
            List<StackProcess> gone = listedButDead(role);
            if (!gone.isEmpty()) {
                restartTogether(gone);
                gone.forEach(process -> restarted.add(role + " :" + process.port()));
            }
        }
        return restarted;
    }

    /** {@code ./surge rescale --partitions P} on this stack, as a separate process. */
    Rescaling rescale(int partitions) throws IOException {
        Path jar = options.home().resolve("local-stack").resolve("target").resolve("local-stack.jar");
        Path log = stackFile.dataDir().resolve("logs").resolve("rescale-" + System.currentTimeMillis() + ".log");
        Process process = new ProcessBuilder(launcher.jdk().java(),
                "-jar", jar.toString(), "rescale", "--data-dir", stackFile.dataDir().toString(),
                "--partitions", Integer.toString(partitions))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        rescales.add(process);
        return new Rescaling(process, log);
    }

    /** The count path as {@code surge-count-path} says now. */
    CountPath countPath() {
        KafkaSettings kafka = options.kafkaClient();
        try (Admin admin = Admin.create(kafka.clientConfig(Map.of()))) {
            return CountPathWatcher.readOnce(kafka, admin,
                    "surge-faults-count-path", Duration.ofSeconds(30));
        }
    }

    private static void signal(String signal, StackProcess process) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    private static void awaitExit(ProcessHandle handle) throws InterruptedException {
        try {
            handle.onExit().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("pid " + handle.pid() + " did not exit after SIGKILL", e);
        }
    }

    @Override
    public void close() {
        rescales.forEach(Process::destroyForcibly);
        stack.close();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (or ran) anyway
        }
    }
}
