package dev.surge.ingest;

import dev.surge.common.concurrent.DaemonThreads;
import dev.surge.common.http.BufferedBodyHandler;
import dev.surge.common.http.HttpListener;
import dev.surge.common.http.HttpMetrics;
import dev.surge.common.http.JsonResponses;
import dev.surge.common.http.Readiness;
import dev.surge.common.http.ServiceEndpoints;
import dev.surge.ingest.ack.AckInbox;
import dev.surge.ingest.admission.AdmissionConfig;
import dev.surge.ingest.admission.AdmissionControl;
import dev.surge.ingest.publish.EventPublisher;
import dev.surge.ingest.admission.AdmissionGate;
import dev.surge.ingest.simulate.BatchHandler;
import dev.surge.ingest.simulate.BatchIngestion;
import dev.surge.ingest.simulate.Ingestion;
import dev.surge.ingest.simulate.SimulateHandler;
import dev.surge.common.http.Problem;
import dev.surge.common.http.ProblemException;
import io.javalin.Javalin;
import io.javalin.http.Handler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import java.util.Map;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import dev.surge.common.console.ConsoleRoutes;
import dev.surge.ingest.console.IngestConsole;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import dev.surge.ingest.load.LoadProxy;

/**
 * The HTTP face of ingest-api. It takes its parts in the constructor, so tests build it with a fake publisher or a
 * real one, and start it on port 0. {@code POST /simulate} runs behind {@link AdmissionControl}; health and metrics
 * stay open.
 */
public final class IngestApp {
    private final Javalin javalin;
    private final ExecutorService responseWriters;
    private final AdmissionControl admission;
    private final HttpListener listener = new HttpListener();
    private final IngestConsole console;
    private volatile boolean draining;

    /**
     * @param instance       this instance's name, as its logs and {@code GET /stats} give it
     * @param kafkaReachable whether Kafka answers now (checked in the background): readiness requires it
     */
    public IngestApp(String instance, EventPublisher publisher, AckInbox inbox, Duration ackTimeout, LoadProxy loads,
                     PrometheusMeterRegistry registry, AdmissionControl admission, BooleanSupplier kafkaReachable) {
        this.admission = admission;
        this.responseWriters = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                DaemonThreads.named("response-writer"));
        SimulateHandler simulate = new SimulateHandler(new Ingestion(publisher, inbox, ackTimeout), responseWriters,
                Clock.systemUTC(), admission.maxBodyBytes(), registry);
        AdmissionConfig.BatchLimits batchLimits = admission.batchLimits();
        BatchHandler batch = new BatchHandler(new BatchIngestion(publisher, inbox, ackTimeout), responseWriters,
                Clock.systemUTC(), batchLimits.maxEvents(), batchLimits.maxBytes(), registry);
        this.console = new IngestConsole(instance, registry, inbox, loads, Clock.systemUTC());
        this.javalin = Javalin.create(config -> {
            listener.install(config);
            config.startup.showJavalinBanner = false;
            // Few request threads, so that under overload ingest-api cannot take the CPU the count path needs
            // (AdmissionConfig.defaultRequestThreads).
            QueuedThreadPool requestThreads = new QueuedThreadPool(admission.requestThreads(),
                    AdmissionConfig.MIN_REQUEST_THREADS);
            requestThreads.setName("JettyServerThreadPool");
            config.jetty.threadPool = requestThreads;
            // Bodies are read into memory before the routes run, with no thread waiting on them: a slow sender
            // cannot hold one of Jetty's request threads.
            // Each handler inserted goes in front of those inserted before it: the early admission gate runs first
            // (a request refused there costs no body read and no Javalin context), then the body buffering, then the
            // gate that takes the in-flight permit.
            config.jetty.modifyServer(server -> server.insertHandler(admission.permitGate()));
            config.jetty.modifyServer(server -> server.insertHandler(new BufferedBodyHandler(
                    request -> AdmissionGate.isBatch(request) ? batchLimits.maxBytes() : admission.maxBodyBytes(),
                    admission.bodyTimeout(), batchLimits.maxHeldBodyBytes())));
            config.jetty.modifyServer(server -> server.insertHandler(admission.earlyGate()));
            JsonResponses.installProblemMapping(config);
            HttpMetrics.install(config, registry);
            Supplier<Readiness> readiness = () -> draining
                    ? Readiness.notReady("shutting down")
                    : readiness(inbox, kafkaReachable);
            ServiceEndpoints.install(config, registry, readiness);
            ConsoleRoutes.install(config, admission.authenticated(ctx -> console.answer(ctx, readiness.get())));
            config.routes.post("/simulate", unlessDraining(admission.guard(simulate)));
            config.routes.post("/simulate/batch", unlessDraining(admission.guardCounted(batch)));
            config.routes.get("/load", admission.authenticated(loads::forward));
            config.routes.get("/load/{key}", admission.authenticated(loads::forward));
            ApiDescription.install(config);
        });
    }

    /** {@code route}, or 503 + Retry-After once this instance is stopping. */
    private Handler unlessDraining(Handler route) {
        return ctx -> {
            if (draining) {
                throw new ProblemException(Problem.of(503, "shutting-down", "Shutting down",
                        "This instance is stopping; send the request to another instance."),
                        Map.of("Retry-After", "1"));
            }
            route.handle(ctx);
        };
    }

    static Readiness readiness(AckInbox inbox, BooleanSupplier kafkaReachable) {
        if (!kafkaReachable.getAsBoolean()) {
            return Readiness.notReady("Kafka not reachable");
        }
        int partitions = inbox.ownedPartitions().size();
        return partitions > 0
                ? Readiness.ready("reading " + partitions + " reply partition(s)")
                : Readiness.notReady("no reply partition assigned yet");
    }

    public IngestApp start(String host, int port) {
        listener.start(javalin, host, port);
        return this;
    }

    public int port() {
        return javalin.port();
    }

    /**
     * Stops taking {@code POST /simulate} (503 + Retry-After, readiness 503) and waits until every admitted request
     * has its answer, or {@code deadline} passes. Returns whether all were answered.
     */
    public boolean drain(Duration deadline) throws InterruptedException {
        draining = true;
        return admission.awaitNoneInFlight(deadline);
    }

    public void stop() {
        javalin.stop();
        console.close();
        responseWriters.shutdown();
        try {
            responseWriters.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
