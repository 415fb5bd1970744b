package dev.surge.stack;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Stops every process listed in {@code stack.json}, role by role in {@link Role#stopOrder()} (all of one role at
 * once), each with a {@link GracefulStop}, and removes each entry once its process is gone; then removes the file.
 *
 * <p>Why the list and not the launcher's own children: processes added by {@code ./surge start} are not children of
 * the {@code ./surge up} launcher, and the launcher may have been killed, leaving its children orphaned. The file
 * is the one place that knows everything that runs, so the launcher's Ctrl-C and {@code ./surge down} both call
 * this, and a second caller (down after the launcher gave up, say) finds only what is left.
 */
public final class StackShutdown {
    private final StackFile stackFile;
    private final GracefulStop stop;
    private final PrintStream out;

    public StackShutdown(StackFile stackFile, GracefulStop stop, PrintStream out) {
        this.stackFile = stackFile;
        this.stop = stop;
        this.out = out;
    }

    /** Stops everything listed; returns how many processes had to be killed after the grace period. */
    public int run() {
        int killed = 0;
        for (Role role : Role.stopOrder()) {
            List<StackProcess> processes = stackFile.read().map(state -> state.of(role)).orElse(List.of());
            List<CompletableFuture<GracefulStop.Outcome>> stops = processes.stream()
                    .map(process -> CompletableFuture.supplyAsync(() -> stopOne(process), StackShutdown::onOwnThread))
                    .toList();
            for (CompletableFuture<GracefulStop.Outcome> outcome : stops) {
                if (outcome.join() == GracefulStop.Outcome.KILLED) {
                    killed++;
                }
            }
        }
        try (StackFile.Lock lock = stackFile.lock()) {
            boolean empty = lock.read().map(state -> state.processes().isEmpty()).orElse(true);
            if (empty) {
                lock.delete();
            }
        }
        return killed;
    }

    // Not the common pool: on a 2-core machine it has one thread, and the stops of one role would wait in line.
    private static void onOwnThread(Runnable stop) {
        Thread thread = new Thread(stop, "surge-stop");
        thread.setDaemon(true);
        thread.start();
    }

    private GracefulStop.Outcome stopOne(StackProcess process) {
        if (process.alive()) {
            out.println("Stopping " + process.role() + " (pid " + process.pid() + ", port " + process.port()
                    + ") ...");
        }
        GracefulStop.Outcome outcome = stop.stop(process);
        if (outcome == GracefulStop.Outcome.KILLED) {
            out.println(process.role() + " (pid " + process.pid() + ") did not exit within "
                    + stop.grace().toSeconds() + " s of SIGTERM: killed");
        }
        try (StackFile.Lock lock = stackFile.lock()) {
            lock.read().ifPresent(state -> lock.write(state.without(process.pid())));
        }
        return outcome;
    }
}
