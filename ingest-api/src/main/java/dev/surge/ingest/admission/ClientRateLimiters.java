package dev.surge.ingest.admission;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One rate limiter per client, at most {@code capacity} of them: past it the least recently seen client's limiter
 * is dropped, so a flood of distinct clients (spoofed addresses, a scan) cannot grow the heap without bound. A
 * client that comes back after being dropped starts with a full quota; an active client is never the one dropped.
 *
 * <p>A plain access-ordered {@link LinkedHashMap} under one lock rather than a cache library: the critical section
 * is a hash lookup and a relink (well under a microsecond), eviction is exact LRU, and no dependency is added.
 * resilience4j's own {@code RateLimiterRegistry} is not used for this: it never forgets an entry.
 */
final class ClientRateLimiters {
    private final RateLimiterConfig config;
    private final Supplier<Long> nanoTime;
    private final Map<String, RateLimiter> limiters;

    ClientRateLimiters(RateLimiterConfig config, Supplier<Long> nanoTime, int capacity) {
        this.config = config;
        this.nanoTime = nanoTime;
        this.limiters = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, RateLimiter> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized RateLimiter of(String client) {
        RateLimiter limiter = limiters.get(client);
        if (limiter == null) {
            limiter = RateLimiter.of("client", config, nanoTime);
            limiters.put(client, limiter);
        }
        return limiter;
    }

    synchronized int size() {
        return limiters.size();
    }
}
