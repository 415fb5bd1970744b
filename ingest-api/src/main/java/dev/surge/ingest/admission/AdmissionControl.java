package dev.surge.ingest.admission;

import dev.surge.common.http.Problem;
import dev.surge.common.http.ProblemException;
import dev.surge.ingest.metrics.EventOutcomes;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Decides, before a route does any work, whether a request may proceed, in this order:
 * <ol>
 *   <li>API key, when keys are on: missing or wrong is 401, before any quota is spent;</li>
 *   <li>in-flight bound: past {@code maxInFlight} admitted and unanswered requests, 503 at once;</li>
 *   <li>rate limits, the client's then the instance's: over either, 429.</li>
 * </ol>
 * Every refusal is problem+json with {@code Retry-After} where retrying helps, is counted in
 * {@code surge_events_total}, and nothing is published. An admitted request holds its in-flight permit until its
 * answer is set, however it ends.
 */
public final class AdmissionControl {
    private static final String REALM = "Bearer realm=\"surge\"";

    private final AdmissionConfig config;
    private final Semaphore inFlight;
    private final RateLimits rateLimits;
    private final EventOutcomes outcomes;

    /**
     * @param nanoTime the rate limiters' clock ({@code System::nanoTime}; a fake one in tests)
     */
    public AdmissionControl(AdmissionConfig config, Supplier<Long> nanoTime, MeterRegistry registry) {
        this.config = config;
        this.inFlight = new Semaphore(config.maxInFlight());
        this.rateLimits = new RateLimits(config.rateLimit(), config.globalRateLimit(), config.rateLimitClients(),
                nanoTime, registry);
        this.outcomes = new EventOutcomes(registry);
        Gauge.builder("surge.requests.in.flight", this, AdmissionControl::inFlight)
                .description("Requests admitted and not yet answered; at most SURGE_MAX_IN_FLIGHT")
                .register(registry);
    }

    public static AdmissionControl create(AdmissionConfig config, MeterRegistry registry) {
        return new AdmissionControl(config, System::nanoTime, registry);
    }

    public int maxBodyBytes() {
        return config.maxBodyBytes();
    }

    /** How long a client may take to send its body once its headers are in; then 408. */
    public Duration bodyTimeout() {
        return config.bodyTimeout();
    }

    public int inFlight() {
        return config.maxInFlight() - inFlight.availablePermits();
    }

    /**
     * Waits until no admitted request is unanswered, or {@code timeout} passes; returns whether none is. On success
     * it keeps every in-flight permit, so from then on every request is refused as overloaded: for shutdown only.
     */
    public boolean awaitNoneInFlight(Duration timeout) throws InterruptedException {
        return inFlight.tryAcquire(config.maxInFlight(), timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Clients whose rate limiter is kept now: at most {@link AdmissionConfig#rateLimitClients()}. */
    public int trackedClients() {
        return rateLimits.trackedClients();
    }

    /** {@code route}, run only for requests that are admitted. */
    public Handler guard(AdmittedHandler route) {
        return ctx -> {
            Client client = authenticate(ctx);
            if (!inFlight.tryAcquire()) {
                outcomes.count(EventOutcomes.OVERLOADED, client.metricTag());
                throw new ProblemException(Problem.of(503, "overloaded", "Too many requests in flight",
                        "This instance is answering as many requests as it can; retry shortly."),
                        Map.of("Retry-After", "1"));
            }
            AtomicBoolean held = new AtomicBoolean(true);
            Runnable release = () -> {
                if (held.getAndSet(false)) {
                    inFlight.release();
                }
            };
            try {
                RateLimits.Verdict verdict = rateLimits.admit(client);
                verdict.headers().forEach(ctx::header);
                if (!verdict.allowed()) {
                    outcomes.count(EventOutcomes.RATE_LIMITED, client.metricTag());
                    throw new ProblemException(Problem.of(429, "rate-limited", "Too many requests",
                            "Over the '" + verdict.policy() + "' rate limit; retry after the time in Retry-After."));
                }
                CompletableFuture<?> answered = route.handle(ctx, client).whenComplete((r, e) -> release.run());
                ctx.future(() -> answered);
            } catch (Exception e) {
                release.run();
                throw e;
            }
        };
    }

    /** {@code route} for authenticated clients only (401 otherwise): no quota, no in-flight bound. */
    public Handler authenticated(Handler route) {
        return ctx -> {
            authenticate(ctx);
            route.handle(ctx);
        };
    }

    private Client authenticate(Context ctx) {
        if (!config.apiKeys().enabled()) {
            return Client.byAddress(ctx.req().getRemoteAddr());
        }
        Optional<String> presented = bearerToken(ctx.header("Authorization"));
        if (presented.isEmpty()) {
            throw unauthorized(REALM, "Send an API key as 'Authorization: Bearer <key>'.");
        }
        return config.apiKeys().nameOf(presented.get())
                .map(Client::keyed)
                .orElseThrow(() -> unauthorized(REALM + ", error=\"invalid_token\"", "The API key is not valid."));
    }

    private ProblemException unauthorized(String challenge, String detail) {
        outcomes.count(EventOutcomes.UNAUTHORIZED, Client.ANONYMOUS);
        return new ProblemException(Problem.of(401, "unauthorized", "Unauthorized", detail),
                Map.of("WWW-Authenticate", challenge));
    }

    private static Optional<String> bearerToken(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        String value = authorization.strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            return Optional.empty();
        }
        String token = value.substring(space + 1).strip();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }
}
