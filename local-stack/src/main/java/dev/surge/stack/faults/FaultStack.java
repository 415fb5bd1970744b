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
                options.bootstrapServers(), options.partitions());
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
        if (gone.alive()) {
            throw new IllegalStateException(gone.role() + " pid " + gone.pid() + " still runs");
        }
        Role role = Role.of(gone.role());
        ManagedProcess process = switch (role) {
            case BROKER -> launcher.launchBroker(options.brokerPort(), options.controllerPort(), stack.brokerDir());
            case COUNTER_STREAMS -> launcher.launchCounter(gone.port(), Path.of(gone.stateDir()));
            case INGEST_API -> launcher.launchApi(gone.port(),
                    ports(options.counterPort(), options.counterInstances()));
        };
        StackProcess started = StackProcess.of(role, process.process().toHandle(), gone.port(),
                process.log().toString(), gone.stateDir());
        stackFile.update(state -> state.without(gone.pid()).with(started));
        readiness.await(process, READY_WITHIN, role == Role.BROKER
                ? () -> readiness.kafkaAnswers(options.kafkaClient())
                : () -> readiness.ready(gone.port()));
        return started;
    }

    /** Starts again every listed process that no longer runs, the broker first; returns what it restarted. */
    List<String> restoreAll() throws IOException, InterruptedException {
        List<String> restarted = new java.util.ArrayList<>();
        for (Role role : List.of(Role.BROKER, Role.COUNTER_STREAMS, Role.INGEST_API)) {
            for (StackProcess gone : listedButDead(role)) {
                restart(gone);
                restarted.add(role + " :" + gone.port());
            }
        }
        return restarted;
    }

    /** {@code ./surge rescale --partitions P} on this stack, as a separate process. */
    Rescaling rescale(int partitions) throws IOException {
        Path jar = options.home().resolve("local-stack").resolve("target").resolve("local-stack.jar");
        Path log = stackFile.dataDir().resolve("logs").resolve("rescale-" + System.currentTimeMillis() + ".log");
        Process process = new ProcessBuilder(ServiceLauncher.javaBinary(),
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
