package dev.surge.ingest.admission;

import io.github.resilience4j.micrometer.tagged.TaggedRateLimiterMetrics;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The per-client and per-instance event rates (a request of one event spends one permit, a batch one per event), as resilience4j rate limiters that never park a thread waiting
 * for a permit ({@code timeoutDuration} zero), and their IETF {@code RateLimit}/{@code RateLimit-Policy} fields
 * (draft-ietf-httpapi-ratelimit-headers). The client's limit is asked first, so requests it refuses do not spend
 * the instance's permits: a flooding client cannot use up everybody's share.
 */
final class RateLimits {
    static final String CLIENT_POLICY = "default";
    static final String INSTANCE_POLICY = "instance";
    private static final Duration WINDOW = Duration.ofSeconds(1);
    /** Every window is one second, so a quota always comes back within one second. */
    private static final long RESET_SECONDS = 1;

    private final ClientRateLimiters clients;
    private final RateLimiter instance;
    private final String policyField;

    /**
     * A verdict and the fields that go on the answer either way.
     *
     * @param overQuota refused because the request alone holds more events than the policy's quota per window
     */
    record Verdict(boolean allowed, String policy, Map<String, String> headers, boolean overQuota) {
        Verdict(boolean allowed, String policy, Map<String, String> headers) {
            this(allowed, policy, headers, false);
        }
    }

    RateLimits(int perClient, int perInstance, int clientCapacity, Supplier<Long> nanoTime, MeterRegistry registry) {
        this.clients = perClient == 0 ? null : new ClientRateLimiters(config(perClient), nanoTime, clientCapacity);
        this.instance = perInstance == 0 ? null : RateLimiter.of(INSTANCE_POLICY, config(perInstance), nanoTime);
        List<String> policies = new ArrayList<>();
        if (clients != null) {
            policies.add(policy(CLIENT_POLICY, perClient));
        }
        if (instance != null) {
            policies.add(policy(INSTANCE_POLICY, perInstance));
            // Bound through a registry so TaggedRateLimiterMetrics sees it; per-client limiters are not bound:
            // one time series per client would be unbounded.
            RateLimiterRegistry limiters = RateLimiterRegistry.of(instance.getRateLimiterConfig());
            limiters.rateLimiter(INSTANCE_POLICY);
            limiters.replace(INSTANCE_POLICY, instance);
            TaggedRateLimiterMetrics.ofRateLimiterRegistry(limiters).bindTo(registry);
        }
        this.policyField = String.join(", ", policies);
    }

    private static RateLimiterConfig config(int perSecond) {
        return RateLimiterConfig.custom()
                .limitForPeriod(perSecond)
                .limitRefreshPeriod(WINDOW)
                .timeoutDuration(Duration.ZERO)
                .build();
    }

    private static String policy(String name, int quota) {
        return "\"" + name + "\";q=" + quota + ";w=" + WINDOW.toSeconds();
    }

    boolean enabled() {
        return clients != null || instance != null;
    }

    int trackedClients() {
        return clients == null ? 0 : clients.size();
    }

    /**
     * Spends {@code events} permits of {@code client}'s quota, then of the instance's; never waits. Quotas are in
     * events: a batch spends one permit per event.
     */
    Verdict admit(Client client, int events) {
        if (!enabled()) {
            return new Verdict(true, null, Map.of());
        }
        RateLimiter own = clients == null ? null : clients.of(client.id());
        if (own != null && !acquire(own, events)) {
            return refused(CLIENT_POLICY, events > own.getRateLimiterConfig().getLimitForPeriod());
        }
        if (instance != null && !acquire(instance, events)) {
            return refused(INSTANCE_POLICY, events > instance.getRateLimiterConfig().getLimitForPeriod());
        }
        RateLimiter shown = own != null ? own : instance;
        String policy = own != null ? CLIENT_POLICY : INSTANCE_POLICY;
        int remaining = Math.max(0, shown.getMetrics().getAvailablePermissions());
        return new Verdict(true, policy, headers(policy, remaining));
    }

    /** A request for more than the whole quota of a window can never be admitted: refused without spending any. */
    private static boolean acquire(RateLimiter limiter, int events) {
        return events <= limiter.getRateLimiterConfig().getLimitForPeriod() && limiter.acquirePermission(events);
    }

    /** @param never the request is larger than the policy's whole quota: retrying the same request cannot help */
    private Verdict refused(String policy, boolean never) {
        Map<String, String> headers = headers(policy, 0);
        if (!never) {
            headers.put("Retry-After", Long.toString(RESET_SECONDS));
        }
        return new Verdict(false, policy, headers, never);
    }

    private Map<String, String> headers(String policy, int remaining) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("RateLimit-Policy", policyField);
        headers.put("RateLimit", "\"" + policy + "\";r=" + remaining + ";t=" + RESET_SECONDS);
        return headers;
    }
}
