package dev.surge.counter;

import dev.surge.common.concurrent.DaemonThreads;
import dev.surge.common.config.KafkaHealth;
import dev.surge.common.http.HttpMetrics;
import dev.surge.common.http.JsonResponses;
import dev.surge.common.http.Readiness;
import dev.surge.common.http.ServiceEndpoints;
import dev.surge.common.topic.TopicProvisioner;
import dev.surge.counter.query.LoadQueries;
import dev.surge.counter.query.QueryRoutes;
import dev.surge.counter.topology.CounterTopology;
import java.time.Clock;
import org.apache.kafka.streams.state.HostInfo;
import io.javalin.Javalin;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One counter-streams instance: the Kafka Streams app that counts, and its HTTP endpoints. Readiness follows the
 * Streams state: ready only while RUNNING.
 */
public final class CounterService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CounterService.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration METRICS_REFRESH = Duration.ofSeconds(10);

    private final CounterConfig config;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ScheduledExecutorService metricsRefresh =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("streams-metrics-refresh"));
    private final Javalin http;
    private volatile KafkaStreams streams;
    private volatile LoadQueries queries;
    private volatile KafkaHealth kafkaHealth;
    private KafkaStreamsMetrics streamsMetrics;

    public CounterService(CounterConfig config) {
        this.config = config;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        this.http = Javalin.create(javalin -> {
            javalin.startup.showJavalinBanner = false;
            JsonResponses.installProblemMapping(javalin);
            HttpMetrics.install(javalin, registry);
            ServiceEndpoints.install(javalin, registry, this::readiness);
            QueryRoutes.install(javalin, () -> queries);
        });
    }

    /** Starts HTTP first (its port is this instance's query address), then provisions topics and starts Streams. */
    public CounterService start() {
        http.start(config.httpHost(), config.httpPort());
        kafkaHealth = new KafkaHealth(config.kafka(), config.applicationId() + "-health").start();
        TopicProvisioner.Partitions partitions;
        try (Admin admin = Admin.create(config.kafka().clientConfig(Map.of()))) {
            partitions = new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(config.topics());
        }
        streams = new KafkaStreams(CounterTopology.build(config.topology()), config.streamsProperties(http.port()));
        queries = new LoadQueries(streams, new HostInfo(config.advertisedHost(), http.port()), partitions.loadEvents(),
                Clock.systemUTC());
        streams.setStateListener((next, previous) -> LOG.info("Streams state {} -> {}", previous, next));
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("Stream thread failed; replacing it", e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        // Task and store metrics appear only after assignment: look for new ones every 10 s, not the default 60 s.
        streamsMetrics = new KafkaStreamsMetrics(streams, Tags.empty(), metricsRefresh, METRICS_REFRESH);
        streamsMetrics.bindTo(registry);
        streams.start();
        LOG.info("counter-streams started: HTTP on {}:{}, Kafka {}", config.httpHost(), http.port(), config.kafka());
        return this;
    }

    public Readiness readiness() {
        if (streams == null || kafkaHealth == null) {
            return Readiness.notReady("starting");
        }
        if (!kafkaHealth.reachable()) {
            return Readiness.notReady("Kafka not reachable: " + kafkaHealth.lastProblem());
        }
        KafkaStreams.State state = streams.state();
        return state == KafkaStreams.State.RUNNING
                ? Readiness.ready("streams " + state)
                : Readiness.notReady("streams " + state);
    }

    public KafkaStreams.State state() {
        return streams == null ? KafkaStreams.State.CREATED : streams.state();
    }

    public int httpPort() {
        return http.port();
    }

    /** Leaves the consumer group on close so the partitions move to the other instances at once. */
    @Override
    public void close() {
        if (streams != null) {
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(CLOSE_TIMEOUT));
        }
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        metricsRefresh.shutdownNow();
        if (kafkaHealth != null) {
            kafkaHealth.close();
        }
        http.stop();
        registry.close();
        LOG.info("counter-streams stopped");
    }
}
