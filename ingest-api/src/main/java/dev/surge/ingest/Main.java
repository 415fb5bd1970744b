package dev.surge.ingest;

import dev.surge.common.config.Settings;
import dev.surge.common.topic.TopicProvisioner;
import dev.surge.ingest.ack.KafkaAckInbox;
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

/** Wires ingest-api from the environment and runs it until SIGTERM/SIGINT. */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) {
        IngestConfig config = IngestConfig.from(Settings.fromEnvironment(System.getenv()));
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
        IngestApp app = new IngestApp(publisher, inbox, config.ackTimeout(), registry).start(config.httpHost(),
                config.httpPort());
        LOG.info("ingest-api {} listening on {}:{}, Kafka {}", instance, config.httpHost(), app.port(),
                config.kafka());

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.stop();
            inbox.close();
            publisher.close();
            registry.close();
            LOG.info("ingest-api {} stopped", instance);
        }, "ingest-api-shutdown"));
    }
}
