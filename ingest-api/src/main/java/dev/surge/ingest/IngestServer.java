package dev.surge.ingest;

import dev.surge.common.config.KafkaHealth;
import dev.surge.common.countpath.CountPath;
import dev.surge.common.countpath.CountPathWatcher;
import dev.surge.common.topic.TopicProvisioner;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import dev.surge.ingest.ack.KafkaAckInbox;
import dev.surge.ingest.load.LoadProxy;
import dev.surge.ingest.admission.AdmissionConfig;
import dev.surge.ingest.admission.AdmissionControl;
import dev.surge.ingest.publish.CircuitBreakingPublisher;
import dev.surge.ingest.publish.EventPublisher;
import dev.surge.ingest.publish.KafkaEventPublisher;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running ingest-api instance on real Kafka: topics provisioned, producer warm, ack inbox reading its reply
 * partitions, HTTP listening. {@link #close()} stops them in reverse order.
 */
public final class IngestServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IngestServer.class);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);

    private final String instance;
    private final PrometheusMeterRegistry registry;
    private final EventPublisher publisher;
    private final KafkaAckInbox inbox;
    private final List<KafkaClientMetrics> kafkaMeters;
    private final KafkaHealth kafkaHealth;
    private final IngestApp app;
    private final CountPathWatcher countPath;
    private final LoadProxy loads;
    private final Duration drainDeadline;

    private IngestServer(String instance, PrometheusMeterRegistry registry, EventPublisher publisher,
                         KafkaAckInbox inbox, IngestApp app, List<KafkaClientMetrics> kafkaMeters,
                         KafkaHealth kafkaHealth, CountPathWatcher countPath, LoadProxy loads,
                         Duration drainDeadline) {
        this.countPath = countPath;
        this.loads = loads;
        this.drainDeadline = drainDeadline;
        this.kafkaMeters = kafkaMeters;
        this.kafkaHealth = kafkaHealth;
        this.instance = instance;
        this.registry = registry;
        this.publisher = publisher;
        this.inbox = inbox;
        this.app = app;
    }

    public static IngestServer start(IngestConfig config) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        TopicProvisioner.Partitions partitions;
        try (Admin admin = Admin.create(config.kafka().clientConfig(Map.of()))) {
            partitions = new TopicProvisioner(admin, KAFKA_TIMEOUT).ensure(config.topics());
            config.instanceId().ifPresent(id -> KafkaAckInbox.releaseInstanceId(admin, config.ackGroupId(), id,
                    KAFKA_TIMEOUT));
        }
        String instance = "ingest-" + UUID.randomUUID().toString().substring(0, 8);
        CountPathWatcher countPath = new CountPathWatcher(config.kafka(), instance + "-count-path",
                CountPath.initial(partitions.loadEvents())).start(KAFKA_TIMEOUT);
        KafkaEventPublisher kafkaPublisher = KafkaEventPublisher.create(config.kafka(), config.produceTimeout(),
                instance, countPath.current());
        countPath.onChange(kafkaPublisher::follow);
        EventPublisher publisher = CircuitBreakingPublisher.create(kafkaPublisher, config.produceTimeout(),
                config.breakerOpenDuration(), Clock.systemUTC(), registry);
        KafkaAckInbox inbox = KafkaAckInbox.create(config.kafka(), config.ackGroupId(), instance + "-acks",
                config.instanceId()).start();
        List<KafkaClientMetrics> kafkaMeters = List.of(kafkaPublisher.meters(), inbox.meters());
        kafkaMeters.forEach(meters -> meters.bindTo(registry));
        KafkaHealth kafkaHealth = new KafkaHealth(config.kafka(), instance + "-health").start();
        AdmissionControl admission = AdmissionControl.create(config.admission(), registry);
        LoadProxy loads = new LoadProxy(config.counterUrls());
        IngestApp app = new IngestApp(instance, publisher, inbox, config.ackTimeout(), loads,
                registry, admission, kafkaHealth::reachable)
                .start(config.httpHost(), config.httpPort());
        LOG.info("ingest-api {} listening on {}:{}, Kafka {}, ack group {} as {}", instance, config.httpHost(),
                app.port(), config.kafka(), config.ackGroupId(), config.instanceId()
                        .map(id -> "static member " + id).orElse("a dynamic member"));
        LOG.info("Admission: {}; produce timeout {}, breaker open {}; idempotency keys kept {} (by counter-streams)",
                describe(config.admission()), config.produceTimeout(), config.breakerOpenDuration(),
                config.idempotencyRetention());
        // A request admitted just before the drain waits at most produce timeout + ack timeout for its answer.
        Duration drainDeadline = config.produceTimeout().plus(config.ackTimeout()).plusSeconds(1);
        return new IngestServer(instance, registry, publisher, inbox, app, kafkaMeters, kafkaHealth, countPath, loads,
                drainDeadline);
    }

    private static String describe(AdmissionConfig admission) {
        return "rate limit " + perSecond(admission.rateLimit()) + " per client (" + admission.rateLimitClients()
                + " clients tracked), " + perSecond(admission.globalRateLimit()) + " per instance, "
                + (admission.adaptiveLimit()
                        ? "adaptive in-flight limit " + admission.minInFlight() + "-" + admission.maxInFlight()
                        : "at most " + admission.maxInFlight() + " in flight")
                + ", bodies up to " + admission.maxBodyBytes() + " bytes within "
                + admission.bodyTimeout() + ", API keys " + admission.apiKeys();
    }

    private static String perSecond(int limit) {
        return limit == 0 ? "off" : limit + "/s";
    }

    public int port() {
        return app.port();
    }

    /** Completes, with the reason, if this instance can no longer answer with counts (see {@link KafkaAckInbox#failed}). */
    public CompletableFuture<String> failed() {
        return inbox.failed();
    }

    /** Reply partitions this instance reads now. */
    public int ownedReplyPartitions() {
        return inbox.ownedPartitions().size();
    }

    /**
     * Stops taking requests, lets the admitted ones get their answers (the ack consumer still reads), then closes HTTP,
     * the ack consumer (leaving its group: its reply partitions move to the other instances) and the producer.
     */
    @Override
    public void close() {
        try {
            if (!app.drain(drainDeadline)) {
                LOG.warn("ingest-api {}: requests still unanswered after {}; they get 202", instance, drainDeadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        app.stop();
        loads.close();
        kafkaMeters.forEach(KafkaClientMetrics::close);
        kafkaHealth.close();
        inbox.close();
        publisher.close();
        countPath.close();
        registry.close();
        LOG.info("ingest-api {} stopped", instance);
    }
}
