package dev.surge.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClientRateLimitersTest {
    private final AtomicLong nanos = new AtomicLong();
    private final RateLimiterConfig twoPerSecond = RateLimiterConfig.custom()
            .limitForPeriod(2).limitRefreshPeriod(Duration.ofSeconds(1)).timeoutDuration(Duration.ZERO).build();

    @Test
    void shouldKeepAtMostItsCapacityOfLimitersUnderOneHundredThousandDistinctClients() {
        ClientRateLimiters limiters = new ClientRateLimiters(twoPerSecond, nanos::get, 1_000);

        for (int i = 0; i < 100_000; i++) {
            assertThat(limiters.of("10.0." + (i >> 8) + "." + (i & 0xff)).acquirePermission()).isTrue();
            assertThat(limiters.size()).isLessThanOrEqualTo(1_000);
        }

        assertThat(limiters.size()).isEqualTo(1_000);
    }

    @Test
    void shouldForgetTheLeastRecentlySeenClientFirst() {
        ClientRateLimiters limiters = new ClientRateLimiters(twoPerSecond, nanos::get, 3);
        RateLimiter busy = limiters.of("busy");
        busy.acquirePermission();
        busy.acquirePermission();
        RateLimiter idle = limiters.of("idle");

        for (int i = 0; i < 10; i++) {
            assertThat(limiters.of("busy")).isSameAs(busy);
            limiters.of("passer-by-" + i);
        }

        assertThat(limiters.of("busy").acquirePermission()).as("the busy client keeps its spent quota").isFalse();
        assertThat(limiters.of("idle")).isNotSameAs(idle);
        assertThat(limiters.size()).isEqualTo(3);
    }
}
