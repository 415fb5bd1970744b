package dev.surge.stack.cli;

import dev.surge.stack.GracefulStop;
import dev.surge.stack.StackShutdown;
import dev.surge.stack.StackState;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code ./surge down}: stops everything {@code stack.json} lists, processes added by {@code ./surge start}
 * included, and the {@code ./surge up} launcher.
 *
 * <p>When the launcher runs, it gets SIGTERM and stops the stack itself (the same {@link StackShutdown} as Ctrl-C),
 * so it exits cleanly instead of reporting its children's deaths. Whatever is still listed after that (all of it
 * when the launcher was killed and its children were orphaned) this command stops from the list.
 */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stop every process of the stack (ingest-api, then counter-streams, then the broker) and the "
                + "launcher of ./surge up; works when that launcher is gone too.")
final class DownCommand implements Callable<Integer> {
    private final PrintStream out;
    private final GracefulStop stop;

    @Mixin
    private DataDirOption dataDir;

    DownCommand(PrintStream out, GracefulStop stop) {
        this.out = out;
        this.stop = stop;
    }

    @Override
    public Integer call() {
        StackState stack = dataDir.runningStack();
        Optional<ProcessHandle> launcher = stack.launcher() == null ? Optional.empty() : stack.launcher().handle();
        boolean launcherExited = launcher.isEmpty() || stopLauncher(launcher.get(), launcherDeadline());
        int killed = new StackShutdown(dataDir.stackFile(), stop, out).run();
        if (!launcherExited) {
            launcher.get().destroyForcibly();
            out.println("surge: the launcher (pid " + launcher.get().pid() + ") did not exit in time: killed");
        }
        out.println(killed == 0 ? "Surge stopped." : "Surge stopped (" + killed + " process(es) killed after "
                + stop.grace().toSeconds() + " s).");
        return 0;
    }

    /** Room for the launcher to stop every role in turn, each with its full grace period. */
    private Duration launcherDeadline() {
        return stop.grace().multipliedBy(3).plusSeconds(15);
    }

    private boolean stopLauncher(ProcessHandle launcher, Duration deadline) {
        out.println("Stopping the stack through its launcher (pid " + launcher.pid() + ") ...");
        launcher.destroy();
        try {
            launcher.onExit().get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            out.println("surge: the launcher (pid " + launcher.pid() + ") has not exited within "
                    + deadline.toSeconds() + " s; stopping what is left from the list");
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot wait for the launcher (pid " + launcher.pid() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !launcher.isAlive();
        }
    }
}
