package dev.surge.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.ingest.admission.ConcurrencyLimiter.Permit;
import dev.surge.ingest.admission.ConcurrencyLimiter.Refusal;
import dev.surge.ingest.admission.ConcurrencyLimiter.Result;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConcurrencyLimiterTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private ConcurrencyLimiter limiter(AdmissionConfig config) {
        return new ConcurrencyLimiter(config, nanos::get, registry);
    }

    private static List<Permit> take(ConcurrencyLimiter limiter, String client, int n) {
        List<Permit> permits = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            permits.add((Permit) limiter.tryAcquire(client));
        }
        return permits;
    }

    @Test
    void shouldRefuseOneClientPastAFixedLimitAndAdmitAgainOnceAPermitIsBack() {
        ConcurrencyLimiter limiter = limiter(AdmissionConfig.DEFAULTS.withFixedInFlight(3));
        List<Permit> held = take(limiter, "a", 3);

        assertThat(limiter.wouldRefuse("a")).isTrue();
        assertThat(limiter.tryAcquire("a")).isEqualTo(Refusal.LIMIT);
        assertThat(limiter.inFlight()).isEqualTo(3);
        assertThat(registry.get("surge.admission.shed").counter().count()).isEqualTo(2);

        held.get(0).release(Result.ANSWERED);
        held.get(0).release(Result.ANSWERED);

        assertThat(limiter.inFlight()).isEqualTo(2);
        assertThat(limiter.wouldRefuse("a")).isFalse();
        assertThat(limiter.tryAcquire("a")).isInstanceOf(Permit.class);
        assertThat(registry.get("surge.requests.in.flight").gauge().value()).isEqualTo(3);
        assertThat(registry.get("surge.admission.limit").gauge().value()).isEqualTo(3);
    }

    @Test
    void shouldAdmitANewcomerUnderItsShareWhileAFlooderHoldsTheWholeLimit() {
        ConcurrencyLimiter limiter = limiter(AdmissionConfig.DEFAULTS.withFixedInFlight(4));
        List<Permit> flood = take(limiter, "flooder", 4);
        assertThat(limiter.tryAcquire("flooder")).isEqualTo(Refusal.LIMIT);

        // Two clients: a share is 4 / 2 = 2, so the newcomer gets two permits over the limit, not a third.
        assertThat(limiter.wouldRefuse("polite")).isFalse();
        List<Permit> polite = take(limiter, "polite", 2);
        assertThat(polite).doesNotContainNull();
        assertThat(limiter.tryAcquire("polite")).isEqualTo(Refusal.LIMIT);
        assertThat(limiter.inFlight()).isEqualTo(6);

        // The flooder is over its share: it is admitted again only once the total is under the limit.
        flood.get(0).release(Result.ANSWERED);
        flood.get(1).release(Result.ANSWERED);
        assertThat(limiter.tryAcquire("flooder")).isEqualTo(Refusal.LIMIT);
        flood.get(2).release(Result.ANSWERED);
        assertThat(limiter.tryAcquire("flooder")).isInstanceOf(Permit.class);
    }

    @Test
    void shouldForgetAClientOnceItHasNothingInFlight() {
        ConcurrencyLimiter limiter = limiter(AdmissionConfig.DEFAULTS.withFixedInFlight(2));
        take(limiter, "gone", 1).forEach(permit -> permit.release(Result.IGNORED));
        List<Permit> held = take(limiter, "a", 2);

        // Had "gone" still counted as a client, "a"'s share would be 1 and "b" would be refused.
        assertThat(limiter.tryAcquire("b")).isInstanceOf(Permit.class);
        assertThat(held).hasSize(2);
    }

    @Test
    void shouldLowerAnAdaptiveLimitWhenTheCountPathSlowsDownAndNotPassItsBounds() {
        ConcurrencyLimiter limiter = limiter(AdmissionConfig.DEFAULTS.withAdaptiveInFlight(8, 1024));
        assertThat(limiter.limit()).isEqualTo(ConcurrencyLimiter.INITIAL_ADAPTIVE_LIMIT);

        answer(limiter, 20, Duration.ofMillis(10));
        int steady = limiter.limit();
        // Gradient2 compares a window's latency with its long-run average, which follows a lasting change within a
        // minute of windows: the drop shows right after latency rises.
        answer(limiter, 3, Duration.ofMillis(500));

        assertThat(steady).isBetween(8, 1024);
        assertThat(limiter.limit()).isLessThan(steady).isGreaterThanOrEqualTo(8);
    }

    @Test
    void shouldRaiseAnAdaptiveLimitWhileLatencyHoldsAndTheLimitIsUsed() {
        ConcurrencyLimiter limiter = limiter(AdmissionConfig.DEFAULTS.withAdaptiveInFlight(8, 1024));

        answer(limiter, 50, Duration.ofMillis(10));

        assertThat(limiter.limit()).isGreaterThan(ConcurrencyLimiter.INITIAL_ADAPTIVE_LIMIT).isLessThanOrEqualTo(1024);
    }

    @Test
    void shouldWinBackALimitLoweredByASlowSpellWithinAHalfMinuteOfHealthyLatency() {
        ConcurrencyLimiter limiter = limiter(AdmissionConfig.DEFAULTS.withAdaptiveInFlight(8, 1024));
        answer(limiter, 20, Duration.ofMillis(10));
        answer(limiter, 3, Duration.ofMillis(500));
        int lowered = limiter.limit();

        answer(limiter, 30, Duration.ofMillis(10));

        // Gradient2's own growth (4 a window, smoothed to 0.8) would win back 24 in 30 windows.
        assertThat(limiter.limit()).isGreaterThanOrEqualTo(lowered + 80);
    }

    /**
     * {@code rounds} of as many requests as the limit admits, each answered after {@code latency}; one round per
     * one-second window of the limit.
     */
    private void answer(ConcurrencyLimiter limiter, int rounds, Duration latency) {
        for (int round = 0; round < rounds; round++) {
            List<Permit> batch = new ArrayList<>();
            int concurrency = limiter.limit();
            for (int i = 0; i < concurrency; i++) {
                if (limiter.tryAcquire("client-" + i) instanceof Permit permit) {
                    batch.add(permit);
                }
            }
            nanos.addAndGet(latency.toNanos());
            batch.forEach(permit -> permit.release(Result.ANSWERED));
            nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        }
    }

    @Test
    void shouldLearnNothingFromIgnoredRequests() {
        ConcurrencyLimiter limiter = limiter(AdmissionConfig.DEFAULTS.withAdaptiveInFlight(8, 1024));
        for (int i = 0; i < 2_000; i++) {
            Permit permit = (Permit) limiter.tryAcquire("a");
            nanos.addAndGet(Duration.ofSeconds(5).toNanos());
            permit.release(Result.IGNORED);
        }

        assertThat(limiter.limit()).isEqualTo(ConcurrencyLimiter.INITIAL_ADAPTIVE_LIMIT);
    }

    @Test
    void shouldStopAdmittingWhenClosedAndReportIdleOnceTheLastPermitIsBack() throws Exception {
        ConcurrencyLimiter limiter = limiter(AdmissionConfig.DEFAULTS.withFixedInFlight(4));
        Permit held = (Permit) limiter.tryAcquire("a");
        limiter.close();

        assertThat(limiter.tryAcquire("b")).isEqualTo(Refusal.CLOSED);
        assertThat(limiter.wouldRefuse("b")).as("the route answers it, as shutting down").isFalse();
        assertThat(limiter.awaitIdle(Duration.ZERO)).isFalse();

        held.release(Result.ANSWERED);

        assertThat(limiter.awaitIdle(Duration.ofSeconds(10))).isTrue();
    }
}
