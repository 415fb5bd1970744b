package dev.surge.counter;

import dev.surge.common.config.KafkaHealth;
import dev.surge.common.countpath.CountPath;
import dev.surge.common.countpath.CountPathWatcher;
import dev.surge.common.http.HttpMetrics;
import dev.surge.common.http.HttpListener;
import dev.surge.common.http.JsonResponses;
import dev.surge.common.http.Readiness;
import dev.surge.common.http.ServiceEndpoints;
import dev.surge.common.topic.TopicProvisioner;
import dev.surge.counter.query.GenerationQueries;
import dev.surge.counter.query.LoadQueries;
import dev.surge.counter.query.QueryRoutes;
import io.javalin.Javalin;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.surge.common.console.ConsoleRoutes;
import dev.surge.common.console.ConsoleStats;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One counter-streams instance: the Kafka Streams applications that count (one per running count path
 * generation) and the HTTP endpoints. Readiness follows the generation that takes new events: ready only while
 * its Streams application is RUNNING.
 */
public final class CounterService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CounterService.class);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);

    private final CounterConfig config;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final DeadLetterMetrics deadLetters = new DeadLetterMetrics(registry);
    private final HttpListener listener = new HttpListener();
    private final Javalin http;
    private volatile CountingGenerations generations;
    private volatile KafkaHealth kafkaHealth;
    private volatile CounterConsole console;
    private CountPathWatcher countPath;
    private final CompletableFuture<String> failed = new CompletableFuture<>();

    public CounterService(CounterConfig config) {
        this.config = config;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        this.http = Javalin.create(javalin -> {
            listener.install(javalin);
            javalin.startup.showJavalinBanner = false;
            JsonResponses.installProblemMapping(javalin);
            HttpMetrics.install(javalin, registry);
            ServiceEndpoints.install(javalin, registry, this::readiness);
            ConsoleRoutes.install(javalin, this::answerStats);
            QueryRoutes.install(javalin, new GenerationQueries() {
                @Override
                public LoadQueries current() {
                    CountingGenerations running = generations;
                    return running == null ? null : running.current();
                }

                @Override
                public LoadQueries of(int generation) {
                    CountingGenerations running = generations;
                    return running == null ? null : running.of(generation);
                }
            });
        });
    }

    /**
     * Starts HTTP first (its port is this instance's query address), then provisions topics, reads the count path
     * and starts the Streams application of each generation it runs.
     */
    public CounterService start() {
        listener.start(http, config.httpHost(), config.httpPort());
        kafkaHealth = new KafkaHealth(config.kafka(), config.applicationId() + "-health").start();
        TopicProvisioner.Partitions partitions;
        try (Admin admin = Admin.create(config.kafka().clientConfig(Map.of()))) {
            partitions = new TopicProvisioner(admin, KAFKA_TIMEOUT).ensure(config.topics());
        }
        countPath = new CountPathWatcher(config.kafka(), config.applicationId() + "-count-path-" + http.port(),
                CountPath.initial(partitions.loadEvents())).start(KAFKA_TIMEOUT);
        HostInfo self = new HostInfo(config.advertisedHost(), http.port());
        generations = new CountingGenerations(config, self, countPath,
                registry, deadLetters, failed::complete).start();
        console = new CounterConsole(self, generations, this::readiness, Clock.systemUTC());
        LOG.info("counter-streams started: HTTP on {}:{}, Kafka {}", config.httpHost(), http.port(), config.kafka());
        return this;
    }

    /** {@code GET /stats}: until the Streams applications are created, this instance alone, not ready. */
    private void answerStats(Context ctx) {
        CounterConsole running = console;
        if (running != null) {
            running.answer(ctx);
            return;
        }
        Readiness now = readiness();
        ConsoleStats.Instance starting = ConsoleStats.Instance.notCounting(config.advertisedHost() + ":" + http.port(),
                "http://" + config.advertisedHost() + ":" + http.port(), now.ready(), now.detail());
        JsonResponses.json(ctx, 200, new ConsoleStats(starting, List.of(starting), List.of()));
    }

    public Readiness readiness() {
        if (generations == null || kafkaHealth == null) {
            return Readiness.notReady("starting");
        }
        if (!kafkaHealth.reachable()) {
            return Readiness.notReady("Kafka not reachable: " + kafkaHealth.lastProblem());
        }
        KafkaStreams.State state = generations.writeState();
        return state == KafkaStreams.State.RUNNING
                ? Readiness.ready("streams " + state)
                : Readiness.notReady("streams " + state);
    }

    /** The state of the Streams application of the generation that takes new events. */
    public KafkaStreams.State state() {
        return generations == null ? KafkaStreams.State.CREATED : generations.writeState();
    }

    /** Completes with the reason when this instance can no longer count (its {@code main} then exits). */
    public CompletableFuture<String> failed() {
        return failed;
    }

    public int httpPort() {
        return http.port();
    }

    @Override
    public void close() {
        if (console != null) {
            console.close();
        }
        if (generations != null) {
            generations.close();
        }
        if (countPath != null) {
            countPath.close();
        }
        if (kafkaHealth != null) {
            kafkaHealth.close();
        }
        http.stop();
        registry.close();
        LOG.info("counter-streams stopped");
    }
}
