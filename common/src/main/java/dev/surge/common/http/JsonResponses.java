package dev.surge.common.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.surge.common.serde.JsonSerde;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes JSON and problem+json bodies, and maps every exception a handler lets out, and every error Jetty answers
 * itself, to a problem response.
 */
public final class JsonResponses {
    private static final Logger LOG = LoggerFactory.getLogger(JsonResponses.class);

    private JsonResponses() {
    }

    public static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(toJson(body));
    }

    public static void problem(Context ctx, Problem problem, Map<String, String> headers) {
        headers.forEach(ctx::header);
        ctx.status(problem.status()).contentType(Problem.CONTENT_TYPE).result(toJson(problem.at(ctx.path())));
    }

    /**
     * Registers the exception mappers (handlers throw, this turns what they throw into problem+json) and Jetty's error
     * handler, so the errors Jetty answers itself, before a route runs, are problem+json too.
     */
    public static void installProblemMapping(JavalinConfig config) {
        config.jetty.modifyServer(server -> server.setErrorHandler(new ProblemErrorHandler()));
        config.routes.exception(ProblemException.class, (e, ctx) -> problem(ctx, e.problem(), e.headers()));
        // Javalin throws a NotFoundResponse for a path no route matches: the same not-found problem as below
        config.routes.exception(HttpResponseException.class, (e, ctx) -> problem(ctx, e.getStatus() == 404
                ? notFound(ctx) : Problem.of(e.getStatus(), "http-" + e.getStatus(), e.getMessage(), e.getMessage()),
                Map.of()));
        config.routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("Unhandled error on {} {}", ctx.method(), ctx.path(), e);
            problem(ctx, Problem.of(500, "internal", "Internal error", "The server failed; see its log."), Map.of());
        });
        config.routes.error(404, ctx -> {
            if (ctx.result() == null) {
                problem(ctx, notFound(ctx), Map.of());
            }
        });
        config.routes.error(405, ctx -> problem(ctx,
                Problem.of(405, "method-not-allowed", "Method not allowed", ctx.method() + " is not allowed here"),
                Map.of()));
    }

    /** {@code urn:surge:problem:not-found}, as the OpenAPI document names a 404 (NotFoundProblem). */
    private static Problem notFound(Context ctx) {
        return Problem.of(404, "not-found", "Not found", "No route " + ctx.method() + " " + ctx.path());
    }

    /**
     * {@code problem} as the bytes of a problem+json body, for an answer built once and written many times without
     * going through the mapping above (ingest-api's overload refusal).
     */
    public static byte[] problemBody(Problem problem) {
        return toJson(problem);
    }

    static byte[] toJson(Object body) {
        try {
            return JsonSerde.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write " + body.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
