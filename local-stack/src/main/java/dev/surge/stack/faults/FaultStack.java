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
import java.io.IOException;
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

    private FaultStack(UpOptions options, LocalStack stack, Readiness readiness, GracefulStop stop) {
        this.options = options;
        this.stack = stack;
        this.stackFile = new StackFile(options.dataDir());
        this.launcher = new ServiceLauncher(options.home(), stackFile.dataDir().resolve("logs"),
                options.bootstrapServers(), options.partitions());
        this.readiness = readiness;
        this.stop = stop;
    }

    static FaultStack start(UpOptions options, PrintStream out, Readiness readiness, GracefulStop stop)
            throws IOException, InterruptedException {
        return new FaultStack(options, LocalStack.start(options, out, readiness, stop), readiness, stop);
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
        return List.of(options.apiPort(), options.apiPort() + 1).subList(0, options.apiInstances());
    }

    int counterPort(int index) {
        return options.counterPort() + index;
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
            case INGEST_API -> launcher.launchApi(gone.port(), List.of(counterPort(0), counterPort(1))
                    .subList(0, options.counterInstances()));
        };
        StackProcess started = StackProcess.of(role, process.process().toHandle(), gone.port(),
                process.log().toString(), gone.stateDir());
        stackFile.update(state -> state.without(gone.pid()).with(started));
        readiness.await(process, READY_WITHIN, role == Role.BROKER
                ? () -> readiness.kafkaAnswers(options.bootstrapServers())
                : () -> readiness.ready(gone.port()));
        return started;
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
        stack.close();
    }
}
