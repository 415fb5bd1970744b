package dev.surge.ingest;

import dev.surge.common.topic.TopicProvisioner;
import dev.surge.ingest.ack.KafkaAckInbox;
import dev.surge.ingest.load.LoadProxy;
import dev.surge.ingest.publish.KafkaEventPublisher;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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

    private final String instance;
    private final PrometheusMeterRegistry registry;
    private final KafkaEventPublisher publisher;
    private final KafkaAckInbox inbox;
    private final IngestApp app;

    private IngestServer(String instance, PrometheusMeterRegistry registry, KafkaEventPublisher publisher,
                         KafkaAckInbox inbox, IngestApp app) {
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
        try (Admin admin = Admin.create(config.kafka().clientConfig(Map.of()))) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(config.topics());
        }
        String instance = "ingest-" + UUID.randomUUID().toString().substring(0, 8);
        KafkaEventPublisher publisher = KafkaEventPublisher.create(config.kafka(), config.produceTimeout(), instance);
        publisher.warmUp();
        KafkaAckInbox inbox = KafkaAckInbox.create(config.kafka(), config.ackGroupId(), instance + "-acks").start();
        IngestApp app = new IngestApp(publisher, inbox, config.ackTimeout(), new LoadProxy(config.counterUrls()), registry)
                .start(config.httpHost(), config.httpPort());
        LOG.info("ingest-api {} listening on {}:{}, Kafka {}", instance, config.httpHost(), app.port(), config.kafka());
        return new IngestServer(instance, registry, publisher, inbox, app);
    }

    public int port() {
        return app.port();
    }

    /** Reply partitions this instance reads now. */
    public int ownedReplyPartitions() {
        return inbox.ownedPartitions();
    }

    @Override
    public void close() {
        app.stop();
        inbox.close();
        publisher.close();
        registry.close();
        LOG.info("ingest-api {} stopped", instance);
    }
}
