package dev.surge.ingest.admission;

import dev.surge.common.http.Problem;
import dev.surge.common.http.ProblemException;
import dev.surge.ingest.metrics.EventOutcomes;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Decides, before a route does any work, whether a request may proceed, in this order:
 * <ol>
 *   <li>in-flight limit, in {@link AdmissionGate} before Javalin (and, under overload, before the body is read): over
 *       the {@link ConcurrencyLimiter}'s limit with the client's fair share of it taken, 503 at once;</li>
 *   <li>API key, when keys are on: missing or wrong is 401, before any quota is spent;</li>
 *   <li>rate limits, the client's then the instance's, in events: over either, 429;</li>
 *   <li>events in flight ({@code SURGE_MAX_EVENTS_IN_FLIGHT}): over it, 503.</li>
 * </ol>
 * A batch ({@link #guardCounted}) is admitted at steps 3 and 4 once its events are read and valid, all of them or none.
 * Every refusal is problem+json with {@code Retry-After} where retrying helps, is counted in
 * {@code surge_events_total}, and nothing is published. An admitted request holds its in-flight permit until its
 * answer is written, however it ends.
 */
public final class AdmissionControl {
    private static final String REALM = "Bearer realm=\"surge\"";

    private final AdmissionConfig config;
    private final ConcurrencyLimiter limiter;
    private final AdmissionGate earlyGate;
    private final AdmissionGate permitGate;
    private final RateLimits rateLimits;
    private final EventOutcomes outcomes;
    private final EventsInFlight eventsInFlight;

    /**
     * @param nanoTime the rate limiters' clock ({@code System::nanoTime}; a fake one in tests). The concurrency
     *                 limit always measures latency with {@code System::nanoTime}: it learns from real time only
     */
    public AdmissionControl(AdmissionConfig config, Supplier<Long> nanoTime, MeterRegistry registry) {
        this.config = config;
        this.outcomes = new EventOutcomes(registry);
        this.limiter = new ConcurrencyLimiter(config, System::nanoTime, registry);
        RefusalPacing pacing = new RefusalPacing(System::nanoTime, registry);
        this.earlyGate = AdmissionGate.early(limiter, pacing, config.apiKeys(), outcomes);
        this.permitGate = AdmissionGate.permitting(limiter, pacing, config.apiKeys(), outcomes);
        this.rateLimits = new RateLimits(config.rateLimit(), config.globalRateLimit(), config.rateLimitClients(),
                nanoTime, registry);
        this.eventsInFlight = new EventsInFlight(config.batches().maxEventsInFlight(), registry);
    }

    public static AdmissionControl create(AdmissionConfig config, MeterRegistry registry) {
        return new AdmissionControl(config, System::nanoTime, registry);
    }

    public int maxBodyBytes() {
        return config.maxBodyBytes();
    }

    public AdmissionConfig.BatchLimits batchLimits() {
        return config.batches();
    }

    /** Events admitted and not yet answered. */
    public int eventsInFlight() {
        return eventsInFlight.held();
    }

    /** Jetty's request threads, at most (see {@link AdmissionConfig#defaultRequestThreads()}). */
    public int requestThreads() {
        return config.requestThreads();
    }

    /** How long a client may take to send its body once its headers are in; then 408. */
    public Duration bodyTimeout() {
        return config.bodyTimeout();
    }

    public int inFlight() {
        return limiter.inFlight();
    }

    /** The in-flight limit now. */
    public int limit() {
        return limiter.limit();
    }

    /** The Jetty handler that refuses before the body is read; it goes in front of every other handler. */
    public AdmissionGate earlyGate() {
        return earlyGate;
    }

    /** The Jetty handler that takes in-flight permits; it goes after the body buffering, right before Javalin. */
    public AdmissionGate permitGate() {
        return permitGate;
    }

    /**
     * Hands out no more in-flight permits (requests go on to the route, which answers them while shutting down) and
     * waits until every admitted request is answered, or {@code timeout} passes; returns whether all are. For
     * shutdown only.
     */
    public boolean awaitNoneInFlight(Duration timeout) throws InterruptedException {
        limiter.close();
        return limiter.awaitIdle(timeout);
    }

    /** Clients whose rate limiter is kept now: at most {@link AdmissionConfig#rateLimitClients()}. */
    public int trackedClients() {
        return rateLimits.trackedClients();
    }

    /** {@code route}, run only for requests that are admitted, each one event. */
    public Handler guard(AdmittedHandler route) {
        return ctx -> {
            Client client = authenticateSender(ctx);
            Runnable release = admit(ctx, client, 1);
            answer(ctx, () -> route.handle(ctx, client), release);
        };
    }

    /**
     * {@code route}, run for authenticated clients; it admits its events itself once it has read how many there are
     * ({@link EventAdmission}), and gives them back when it is answered.
     */
    public Handler guardCounted(CountingHandler route) {
        return ctx -> {
            Client client = authenticateSender(ctx);
            List<Runnable> releases = new CopyOnWriteArrayList<>();
            answer(ctx, () -> route.handle(ctx, client, events -> releases.add(admit(ctx, client, events))),
                    () -> releases.forEach(Runnable::run));
        };
    }

    private interface Answer {
        CompletableFuture<?> start() throws Exception;
    }

    private static void answer(Context ctx, Answer route, Runnable release) throws Exception {
        CompletableFuture<?> answered;
        try {
            answered = route.start();
        } catch (Exception | Error e) {
            release.run();
            throw e;
        }
        CompletableFuture<?> done = answered.whenComplete((result, failure) -> release.run());
        ctx.future(() -> done);
    }

    /**
     * Spends {@code events} of the client's and the instance's rate limits, then takes room for them among the
     * events in flight; refused, throws the 429 or 503 to answer with (nothing taken is kept). Returns what gives the
     * room back.
     */
    private Runnable admit(Context ctx, Client client, int events) {
        RateLimits.Verdict verdict = rateLimits.admit(client, events);
        verdict.headers().forEach(ctx::header);
        if (!verdict.allowed()) {
            outcomes.count(EventOutcomes.RATE_LIMITED, client.metricTag(), events);
            if (verdict.overQuota()) {
                throw new ProblemException(Problem.of(429, "over-quota", "Request larger than the rate limit",
                        events + " events are more than the '" + verdict.policy() + "' rate limit allows per "
                                + "second; send them in smaller batches."));
            }
            throw new ProblemException(Problem.of(429, "rate-limited", "Too many requests",
                    "Over the '" + verdict.policy() + "' rate limit; retry after the time in Retry-After."));
        }
        if (!eventsInFlight.tryTake(events)) {
            outcomes.count(EventOutcomes.OVERLOADED, client.metricTag(), events);
            throw new ProblemException(Problem.of(503, "overloaded", "Too many events in flight",
                    "This instance is waiting for the counts of as many events as it may ("
                            + config.batches().maxEventsInFlight() + "); retry after the time in Retry-After."),
                    Map.of("Retry-After", "1"));
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (!released.getAndSet(true)) {
                eventsInFlight.giveBack(events);
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

    /** {@link #authenticate}, counting a refusal as an event refused {@code unauthorized}. */
    private Client authenticateSender(Context ctx) {
        try {
            return authenticate(ctx);
        } catch (ProblemException e) {
            outcomes.count(EventOutcomes.UNAUTHORIZED, Client.ANONYMOUS);
            throw e;
        }
    }

    private Client authenticate(Context ctx) {
        // The admission gate in front of Javalin identified the client already (a key's hash and lookup per request):
        // a client it found by a valid key is taken as it is; anything else is checked here, with the 401s.
        if (ctx.attribute(AdmissionGate.CLIENT_ATTRIBUTE) instanceof Client known && known.authenticated()) {
            return known;
        }
        if (!config.apiKeys().enabled()) {
            return Client.byAddress(ctx.req().getRemoteAddr());
        }
        Optional<String> presented = ApiKeys.bearerToken(ctx.header("Authorization"));
        if (presented.isEmpty()) {
            throw unauthorized(REALM, "Send an API key as 'Authorization: Bearer <key>'.");
        }
        return config.apiKeys().nameOf(presented.get())
                .map(Client::keyed)
                .orElseThrow(() -> unauthorized(REALM + ", error=\"invalid_token\"", "The API key is not valid."));
    }

    private ProblemException unauthorized(String challenge, String detail) {
        return new ProblemException(Problem.of(401, "unauthorized", "Unauthorized", detail),
                Map.of("WWW-Authenticate", challenge));
    }
}
