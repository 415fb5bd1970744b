package dev.surge.common.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * {@code http_server_requests_seconds} by method, route (the path pattern, never the raw path, so keys do not
 * become labels), status and outcome: the names Spring and Micrometer users know, so existing dashboards fit.
 */
public final class HttpMetrics {
    private HttpMetrics() {
    }

    public static void install(JavalinConfig config, MeterRegistry registry) {
        Meter.MeterProvider<Timer> requests = Timer.builder("http.server.requests")
                .description("HTTP requests by route and status")
                .publishPercentileHistogram()
                .withRegistry(registry);
        config.requestLogger.http((ctx, millis) -> requests
                .withTags("method", ctx.method().name(), "uri", route(ctx),
                        "status", Integer.toString(ctx.statusCode()), "outcome", outcome(ctx.statusCode()))
                .record((long) (millis * 1_000_000L), TimeUnit.NANOSECONDS));
    }

    private static String route(Context ctx) {
        Endpoint endpoint = ctx.endpoints().lastHttpEndpoint();
        if (endpoint == null || endpoint.path.isBlank()) {
            return ctx.statusCode() == 404 ? "NOT_FOUND" : "UNKNOWN";
        }
        return endpoint.path;
    }

    private static String outcome(int status) {
        if (status >= 500) {
            return "SERVER_ERROR";
        }
        if (status >= 400) {
            return "CLIENT_ERROR";
        }
        return status >= 200 && status < 300 ? "SUCCESS" : "OTHER";
    }
}
