package dev.surge.ingest.admission;

import io.javalin.http.Context;
import java.util.concurrent.CompletableFuture;

/**
 * A route behind {@link AdmissionControl} that admits its events itself, once it has read how many the request
 * carries ({@code POST /simulate/batch}): it runs for an authenticated client, and returns the future that completes
 * once its answer is set on {@code ctx}.
 */
@FunctionalInterface
public interface CountingHandler {
    CompletableFuture<?> handle(Context ctx, Client client, EventAdmission admission) throws Exception;
}
