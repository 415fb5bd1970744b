package dev.surge.ingest.admission;

import dev.surge.common.http.JsonResponses;
import dev.surge.common.http.Problem;
import dev.surge.ingest.metrics.EventOutcomes;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.LongStream;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Where a {@code POST /simulate} (or {@code /simulate/batch}: one request, however many events) meets the
 * {@link ConcurrencyLimiter}: Jetty handlers in front of Javalin, in two
 * stages around the body buffering ({@link dev.surge.common.http.BufferedBodyHandler}):
 * <ol>
 *   <li>{@link #early}, in front of everything: refuses a request the limiter would refuse now, before its body is
 *       read. Under overload this is where most requests end.</li>
 *   <li>{@link #permitting}, after the body is in, right before Javalin: takes the permit or refuses. The permit is
 *       taken only here so that a client sending its body slowly holds no permit while it does.</li>
 * </ol>
 *
 * <p>Why in front of Javalin: under overload most requests are refused, so a refusal must cost next to nothing. Here
 * it costs the request head Jetty parsed anyway, a hash lookup, and one write of a response built at start (503
 * problem+json with {@code Retry-After}, one per path, each naming its path as the problem's instance): no Javalin context, exception or JSON serialization is made, nothing goes
 * near Kafka. And the refused connection is then left unread until its {@code Retry-After} ends
 * ({@link RefusalPacing}), so a client that retries at once cannot make this instance answer refusals faster than
 * about one for every two requests it admits. The permit is given back when the response is complete, with what the
 * answer says about the count path ({@link #resultOf}), so the limit learns from the latency of every request that
 * reached it.
 *
 * <p>Requests to other paths, and every request once the limiter is closed (draining: the route answers them
 * "shutting down"), pass without a permit.
 */
public final class AdmissionGate extends Handler.Wrapper {
    static final String CLIENT_ATTRIBUTE = AdmissionGate.class.getName() + ".client";
    static final String PATH = "/simulate";
    static final String BATCH_PATH = "/simulate/batch";
    private static final HttpField CONTENT_TYPE = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE,
            Problem.CONTENT_TYPE);
    private static final HttpField CONNECTION_CLOSE = new PreEncodedHttpField(HttpHeader.CONNECTION,
            HttpHeaderValue.CLOSE.asString());
    /** {@code Retry-After: n} for every pause {@link RefusalPacing} can ask for, index n. */
    private static final HttpField[] RETRY_AFTER = LongStream
            .rangeClosed(0, RefusalPacing.MAX_PAUSE.toSeconds())
            .mapToObj(seconds -> new PreEncodedHttpField(HttpHeader.RETRY_AFTER, Long.toString(seconds)))
            .toArray(HttpField[]::new);

    private final boolean takesPermits;
    private final ConcurrencyLimiter limiter;
    private final RefusalPacing pacing;
    private final ApiKeys apiKeys;
    private final EventOutcomes outcomes;
    /** The 503 body and its Content-Length for each path the gate guards: the problem's instance is that path. */
    private final Map<String, Refusal> refusals;

    private AdmissionGate(boolean takesPermits, ConcurrencyLimiter limiter, RefusalPacing pacing, ApiKeys apiKeys,
                          EventOutcomes outcomes) {
        this.takesPermits = takesPermits;
        this.limiter = limiter;
        this.pacing = pacing;
        this.apiKeys = apiKeys;
        this.outcomes = outcomes;
        this.refusals = Map.of(PATH, Refusal.at(PATH), PATH + "/", Refusal.at(PATH + "/"),
                BATCH_PATH, Refusal.at(BATCH_PATH), BATCH_PATH + "/", Refusal.at(BATCH_PATH + "/"));
    }

    /** The overloaded problem for one path, as bytes built once. */
    private record Refusal(ByteBuffer body, HttpField length) {
        static Refusal at(String path) {
            byte[] body = JsonResponses.problemBody(overloaded().at(path));
            return new Refusal(ByteBuffer.allocateDirect(body.length).put(body).flip().asReadOnlyBuffer(),
                    new PreEncodedHttpField(HttpHeader.CONTENT_LENGTH, Integer.toString(body.length)));
        }
    }

    /** The stage in front of everything: refuses what the limiter would refuse now, takes nothing. */
    public static AdmissionGate early(ConcurrencyLimiter limiter, RefusalPacing pacing, ApiKeys apiKeys,
                                      EventOutcomes outcomes) {
        return new AdmissionGate(false, limiter, pacing, apiKeys, outcomes);
    }

    /** The stage right before Javalin: takes a permit, or refuses. */
    public static AdmissionGate permitting(ConcurrencyLimiter limiter, RefusalPacing pacing, ApiKeys apiKeys,
                                           EventOutcomes outcomes) {
        return new AdmissionGate(true, limiter, pacing, apiKeys, outcomes);
    }

    /** The problem every request refused for want of a permit gets. */
    public static Problem overloaded() {
        return Problem.of(503, "overloaded", "Too many requests in flight",
                "This instance is answering as many requests as it can; retry after the time in Retry-After.");
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Handler next = getHandler();
        if (next == null) {
            return false;
        }
        if (!isSimulate(request)) {
            return next.handle(request, response, callback);
        }
        Client client = client(request);
        if (!takesPermits) {
            if (limiter.wouldRefuse(client.id())) {
                outcomes.count(EventOutcomes.OVERLOADED, client.metricTag());
                refuse(request, response, callback);
                return true;
            }
            return next.handle(request, response, callback);
        }
        ConcurrencyLimiter.Admission admission = limiter.tryAcquire(client.id());
        if (admission instanceof ConcurrencyLimiter.Refusal refusal) {
            if (refusal == ConcurrencyLimiter.Refusal.CLOSED) {
                return next.handle(request, response, callback);
            }
            outcomes.count(EventOutcomes.OVERLOADED, client.metricTag());
            refuse(request, response, callback);
            return true;
        }
        ConcurrencyLimiter.Permit permit = (ConcurrencyLimiter.Permit) admission;
        pacing.admitted();
        boolean durable = isDurable(request);
        // A batch takes longer than one event: its latency would read as the count path slowing down. Batches are
        // bounded in events instead (SURGE_MAX_EVENTS_IN_FLIGHT), and teach the limit nothing.
        boolean batch = isBatch(request);
        Callback releasing = new Callback() {
            @Override
            public void succeeded() {
                permit.release(batch ? ConcurrencyLimiter.Result.IGNORED : resultOf(response.getStatus(), durable));
                callback.succeeded();
            }

            @Override
            public void failed(Throwable failure) {
                permit.release(ConcurrencyLimiter.Result.IGNORED);
                callback.failed(failure);
            }

            @Override
            public InvocationType getInvocationType() {
                return callback.getInvocationType();
            }
        };
        try {
            if (next.handle(request, response, releasing)) {
                return true;
            }
        } catch (Throwable e) {
            permit.release(ConcurrencyLimiter.Result.IGNORED);
            throw e;
        }
        permit.release(ConcurrencyLimiter.Result.IGNORED);
        return false;
    }

    /**
     * What an answer says about the count path: a count (200), or a durable write (202 to {@code ack=durable}), is a
     * latency sample; a 202 to {@code ack=count} (the count did not come within the ack timeout), a 503 or a 504 means
     * the count path is not keeping up; anything else ended before the count path.
     */
    static ConcurrencyLimiter.Result resultOf(int status, boolean durable) {
        return switch (status) {
            case 200 -> ConcurrencyLimiter.Result.ANSWERED;
            case 202 -> durable ? ConcurrencyLimiter.Result.ANSWERED : ConcurrencyLimiter.Result.DROPPED;
            case 503, 504 -> ConcurrencyLimiter.Result.DROPPED;
            default -> ConcurrencyLimiter.Result.IGNORED;
        };
    }

    /**
     * Writes the pre-built 503 with the {@code Retry-After} {@link RefusalPacing} gives, and leaves the connection
     * unread for that long: the request is complete only when the pause ends, and Jetty reads a connection's next
     * request only then. The body is not read, so the connection can stay open only if the whole body already came in
     * with the head (then Jetty discards it here). Otherwise Jetty closes the connection after this answer, so the
     * answer says {@code Connection: close} (without it a client would keep the connection for its next request and
     * find it closed, with no answer: the JDK's HttpClient, "header parser received no bytes"), and there is nothing to
     * pause.
     */
    private void refuse(Request request, Response response, Callback callback) {
        Duration pause = pacing.pause();
        // isSimulate let only these paths through
        Refusal refusal = refusals.get(request.getHttpURI().getPath());
        response.setStatus(503);
        HttpFields.Mutable headers = response.getHeaders();
        boolean closing = !request.consumeAvailable() || request.getHeaders().contains(HttpHeader.CONNECTION,
                HttpHeaderValue.CLOSE.asString());
        if (closing) {
            headers.put(CONNECTION_CLOSE);
        }
        headers.put(CONTENT_TYPE);
        headers.put(RETRY_AFTER[(int) pause.toSeconds()]);
        headers.put(refusal.length());
        if (closing) {
            response.write(true, refusal.body().slice(), callback);
            return;
        }
        response.write(true, refusal.body().slice(), Callback.from(
                () -> pacing.holdThenComplete(request.getComponents().getScheduler(), pause, callback),
                callback::failed));
    }

    private static boolean isSimulate(Request request) {
        if (!HttpMethod.POST.is(request.getMethod())) {
            return false;
        }
        String path = request.getHttpURI().getPath();
        return isPath(path, PATH) || isPath(path, BATCH_PATH);
    }

    /** {@code path} is {@code route}, or {@code route} with a trailing slash (Javalin routes both to the handler). */
    static boolean isPath(String path, String route) {
        return route.equals(path) || (path != null && path.length() == route.length() + 1 && path.startsWith(route)
                && path.charAt(route.length()) == '/');
    }

    /** Whether {@code request} is a {@code POST /simulate/batch} (whose bodies may be larger). */
    public static boolean isBatch(Request request) {
        return HttpMethod.POST.is(request.getMethod()) && isPath(request.getHttpURI().getPath(), BATCH_PATH);
    }

    private static boolean isDurable(Request request) {
        String query = request.getHttpURI().getQuery();
        return query != null && query.contains("ack=durable");
    }

    /**
     * The client as fairness sees it: its API key's name when it presents a valid one, else its address. The early
     * stage keeps it on the request for the permitting one.
     */
    private Client client(Request request) {
        if (request.getAttribute(CLIENT_ATTRIBUTE) instanceof Client known) {
            return known;
        }
        Client client = identify(request);
        request.setAttribute(CLIENT_ATTRIBUTE, client);
        return client;
    }

    private Client identify(Request request) {
        if (apiKeys.enabled()) {
            Optional<String> name = ApiKeys.bearerToken(request.getHeaders().get(HttpHeader.AUTHORIZATION))
                    .flatMap(apiKeys::nameOf);
            if (name.isPresent()) {
                return Client.keyed(name.get());
            }
        }
        return Client.byAddress(Request.getRemoteAddr(request));
    }
}
