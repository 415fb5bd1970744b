package dev.surge.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.junit.jupiter.api.Test;

class RefusalPacingTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RefusalPacing pacing = new RefusalPacing(now::get, registry);
    private final HeldScheduler held = new HeldScheduler();

    /** A scheduler that runs its tasks only when told, oldest first; or refuses them, like one that stopped. */
    private static final class HeldScheduler extends AbstractLifeCycle implements Scheduler {
        private final Deque<Runnable> tasks = new ArrayDeque<>();
        private boolean stopped;

        @Override
        public Task schedule(Runnable task, long delay, TimeUnit units) {
            if (stopped) {
                throw new RejectedExecutionException("stopped");
            }
            tasks.add(task);
            return () -> tasks.remove(task);
        }

        void runFirst(int count) {
            for (int i = 0; i < count; i++) {
                tasks.poll().run();
            }
        }
    }

    private void admit(int requests, Duration over) {
        for (int i = 0; i < requests; i++) {
            pacing.admitted();
        }
        now.addAndGet(over.toNanos());
    }

    /** Connections refused and held, on a scheduler that never runs their end (they stay paused). */
    private void pause(int connections) {
        for (int i = 0; i < connections; i++) {
            pacing.holdThenComplete(held, RefusalPacing.MIN_PAUSE, Callback.NOOP);
        }
    }

    private double pausedGauge() {
        return registry.get("surge.admission.paused.connections").gauge().value();
    }

    @Test
    void shouldPauseTheShortestWhileNoAdmissionRateIsKnown() {
        pause(10_000);

        assertThat(pacing.pause()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void shouldPauseLongEnoughThatAboutOneRefusalIsReadForEveryTwoAdmissions() {
        admit(2_000, Duration.ofSeconds(1));
        pacing.pause(); // the second is over: 2,000 admitted per second
        pause(3_000);

        // 3,001 connections to read again at 1,000 a second: 3.001 s, told in whole seconds
        assertThat(pacing.pause()).isEqualTo(Duration.ofSeconds(4));
        assertThat(registry.get("surge.admission.retry.after").gauge().value()).isEqualTo(4);
        assertThat(pausedGauge()).isEqualTo(3_000);
    }

    @Test
    void shouldKeepThePauseBetweenOneAndFiveSeconds() {
        admit(10_000, Duration.ofSeconds(1));
        pacing.pause();

        assertThat(pacing.pause()).isEqualTo(Duration.ofSeconds(1));
        pause(100_000);
        assertThat(pacing.pause()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void shouldShortenThePauseAsConnectionsResume() {
        admit(1_000, Duration.ofSeconds(1));
        pacing.pause();
        pause(1_999);
        assertThat(pacing.pause()).isEqualTo(Duration.ofSeconds(4));

        held.runFirst(1_500);

        assertThat(pausedGauge()).isEqualTo(499);
        assertThat(pacing.pause()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void shouldMeasureTheRateOverTheLastSecondOnly() {
        admit(1_000, Duration.ofSeconds(1));
        pacing.pause();
        admit(100, Duration.ofSeconds(1));
        pause(200);

        // 201 connections at 50 a second (100 admitted in the last second): 4.02 s -> 5 s
        assertThat(pacing.pause()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void shouldCompleteAHeldRefusalWhenItsPauseEndsAndAtOnceWhenTheSchedulerHasStopped() {
        AtomicBoolean first = new AtomicBoolean();
        pacing.holdThenComplete(held, Duration.ofSeconds(3), Callback.from(() -> first.set(true)));

        assertThat(first).isFalse();
        assertThat(pausedGauge()).isEqualTo(1);
        held.runFirst(1);
        assertThat(first).isTrue();
        assertThat(pausedGauge()).isZero();

        held.stopped = true;
        AtomicBoolean second = new AtomicBoolean();
        pacing.holdThenComplete(held, Duration.ofSeconds(3), Callback.from(() -> second.set(true)));
        assertThat(second).isTrue();
        assertThat(pausedGauge()).isZero();
    }
}
