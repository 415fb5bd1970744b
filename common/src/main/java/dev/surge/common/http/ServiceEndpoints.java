package dev.surge.common.http;

import io.javalin.config.JavalinConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.function.Supplier;

/** The endpoints every Surge service has: liveness, readiness and Prometheus metrics. */
public final class ServiceEndpoints {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private ServiceEndpoints() {
    }

    public static void install(JavalinConfig config, PrometheusMeterRegistry registry, Supplier<Readiness> readiness) {
        config.routes.get("/health/live", ctx -> JsonResponses.json(ctx, 200, Map.of("status", "UP")));
        config.routes.get("/health/ready", ctx -> {
            Readiness now = readiness.get();
            if (now.ready()) {
                JsonResponses.json(ctx, 200, Map.of("status", "READY", "detail", now.detail()));
            } else {
                ctx.header("Retry-After", "1");
                JsonResponses.json(ctx, 503, Map.of("status", "NOT_READY", "detail", now.detail()));
            }
        });
        config.routes.get("/metrics", ctx -> ctx.contentType(PROMETHEUS_TEXT).result(registry.scrape()));
    }
}
