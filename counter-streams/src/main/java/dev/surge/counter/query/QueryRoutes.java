package dev.surge.counter.query;

import dev.surge.common.event.LoadKey;
import dev.surge.common.http.JsonResponses;
import dev.surge.common.http.Problem;
import dev.surge.common.http.ProblemException;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The query endpoints of counter-streams: {@code GET /load/{key}}, {@code GET /load[?prefix=P&limit=N]}, and
 * {@code GET /internal/load}, the per-instance piece that {@code GET /load} gathers.
 */
public final class QueryRoutes {
    public static final int MAX_LIMIT = 1_000;

    private QueryRoutes() {
    }

    /** {@code queries} is empty until Streams is created; until then every query is 503. */
    public static void install(JavalinConfig config, GenerationQueries queries) {
        config.routes.exception(LoadUnavailableException.class, (e, ctx) -> JsonResponses.problem(ctx,
                Problem.of(503, "load-unavailable", "Load not available now", e.getMessage()),
                Map.of("Retry-After", "1")));
        config.routes.get("/load/{key}", ctx -> {
            String key = ctx.pathParam("key");
            if (!LoadKey.isValid(key)) {
                throw ProblemException.badRequest("Invalid key: " + LoadKey.describeRules());
            }
            boolean here = "true".equals(ctx.queryParam("here"));
            CompletableFuture<KeyLoad> load = available(queries, ctx).key(key, here);
            if (load.isDone() && !load.isCompletedExceptionally()) {
                // Answered from this instance's store: written at once, without an async round trip through Jetty.
                JsonResponses.json(ctx, 200, load.join());
            } else {
                ctx.future(() -> load.thenAccept(answer -> JsonResponses.json(ctx, 200, answer)));
            }
        });
        config.routes.get("/load", ctx -> {
            String prefix = prefix(ctx);
            int limit = limit(ctx);
            ctx.future(() -> available(queries, ctx).cluster(prefix, limit)
                    .thenAccept(load -> JsonResponses.json(ctx, 200, load)));
        });
        config.routes.get("/internal/load", ctx ->
                JsonResponses.json(ctx, 200, available(queries, ctx).local(prefix(ctx), limit(ctx))));
    }

    /** The current generation's queries, or the one a forwarded query names. */
    private static LoadQueries available(GenerationQueries queries, Context ctx) {
        String generation = ctx.queryParam("generation");
        LoadQueries ready;
        if (generation == null) {
            ready = queries.current();
        } else {
            try {
                ready = queries.of(Integer.parseInt(generation));
            } catch (NumberFormatException e) {
                throw ProblemException.badRequest("'generation' should be a whole number");
            }
        }
        if (ready == null) {
            throw new LoadUnavailableException(generation == null ? "counter-streams is starting"
                    : "generation " + generation + " does not run here now");
        }
        return ready;
    }

    private static String prefix(Context ctx) {
        String prefix = ctx.queryParam("prefix");
        if (prefix != null && (prefix.length() > LoadKey.MAX_LENGTH || !prefix.isEmpty() && !LoadKey.isValid(prefix))) {
            throw ProblemException.badRequest("Invalid prefix: " + LoadKey.describeRules());
        }
        return prefix;
    }

    private static int limit(Context ctx) {
        String raw = ctx.queryParam("limit");
        if (raw == null) {
            return 100;
        }
        try {
            int limit = Integer.parseInt(raw);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ProblemException.badRequest("'limit' should be a whole number from 1 to " + MAX_LIMIT);
    }
}
