package dev.surge.stack;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Stops one listed process the way the services expect: SIGTERM (they turn not-ready, drain and close their Kafka
 * clients), wait up to a deadline for it to exit, and SIGKILL only if it has not. Works on any process, not only on
 * children of the caller, so {@code ./surge stop} and {@code ./surge down} can stop what another command started.
 */
public final class GracefulStop {
    /** How a stop ended. */
    public enum Outcome { NOT_RUNNING, EXITED, KILLED }

    private final Duration grace;

    public GracefulStop(Duration grace) {
        this.grace = grace;
    }

    public Duration grace() {
        return grace;
    }

    public Outcome stop(StackProcess process) {
        Optional<ProcessHandle> live = process.handle();
        if (live.isEmpty()) {
            return Outcome.NOT_RUNNING;
        }
        ProcessHandle handle = live.get();
        handle.destroy();
        if (exits(handle, grace)) {
            return Outcome.EXITED;
        }
        handle.destroyForcibly();
        exits(handle, Duration.ofSeconds(10));
        return Outcome.KILLED;
    }

    private static boolean exits(ProcessHandle handle, Duration within) {
        try {
            handle.onExit().get(within.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot wait for pid " + handle.pid() + " to exit", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        }
    }
}
