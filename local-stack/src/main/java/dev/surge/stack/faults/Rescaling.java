package dev.surge.stack.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A {@code ./surge rescale} running as a process of its own, with its output in a log file. */
final class Rescaling {
    private final Process process;
    private final Path log;

    Rescaling(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    Path log() {
        return log;
    }

    /** Waits until the output has a line containing {@code text}; throws when the process exits or time runs out. */
    void awaitOutput(String text, Duration within) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!Files.readString(log).contains(text)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the rescale exited " + process.exitValue() + " before '" + text
                        + "' (log " + log + ")");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the rescale did not reach '" + text + "' within "
                        + within.toSeconds() + " s (log " + log + ")");
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    /** SIGKILL, and wait until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** Its exit code; SIGKILL and throws when {@code within} passes first. */
    int awaitExit(Duration within) throws InterruptedException {
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            throw new IllegalStateException("the rescale did not finish within " + within.toSeconds() + " s (log "
                    + log + ")");
        }
        return process.exitValue();
    }
}
