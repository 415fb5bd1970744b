package dev.surge.common.console;

import dev.surge.common.concurrent.DaemonThreads;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last {@link #KEPT} seconds of an instance: a sampler, called once per whole second on its own thread, says
 * what happened in the second that just ended (it reads cumulative meters and keeps their previous values).
 */
public final class SecondsHistory implements AutoCloseable {
    public static final int KEPT = 300;
    private static final Logger LOG = LoggerFactory.getLogger(SecondsHistory.class);

    private final ArrayDeque<ConsoleStats.Second> seconds = new ArrayDeque<>(KEPT + 1);
    private final ScheduledExecutorService ticker;

    private SecondsHistory(ScheduledExecutorService ticker) {
        this.ticker = ticker;
    }

    /** Samples {@code sampler} (given the epoch second that ended) at each whole second from now on. */
    public static SecondsHistory start(String name, Clock clock, LongFunction<ConsoleStats.Second> sampler) {
        SecondsHistory history = new SecondsHistory(
                Executors.newSingleThreadScheduledExecutor(DaemonThreads.named(name)));
        long firstDelay = 1_000 - clock.millis() % 1_000;
        history.ticker.scheduleAtFixedRate(() -> {
            long ended = clock.millis() / 1_000 - 1;
            try {
                history.add(sampler.apply(ended));
            } catch (RuntimeException e) {
                LOG.warn("Could not sample second {} for the console", ended, e);
            }
        }, firstDelay, 1_000, TimeUnit.MILLISECONDS);
        return history;
    }

    synchronized void add(ConsoleStats.Second second) {
        seconds.addLast(second);
        while (seconds.size() > KEPT) {
            seconds.removeFirst();
        }
    }

    /** Oldest first. */
    public synchronized List<ConsoleStats.Second> seconds() {
        return List.copyOf(seconds);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
