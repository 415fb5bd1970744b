package dev.surge.ingest.admission;

import io.javalin.http.Context;
import java.util.concurrent.CompletableFuture;

/**
 * A route behind {@link AdmissionControl}: it runs only for an authenticated client within its quotas, and returns
 * the future that completes once its answer is set on {@code ctx}. Until then the request counts as in flight.
 */
@FunctionalInterface
public interface AdmittedHandler {
    CompletableFuture<?> handle(Context ctx, Client client) throws Exception;
}
