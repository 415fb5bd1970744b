package dev.surge.testkit;

import dev.surge.kafka.embedded.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real Kafka broker for integration tests, chosen in this order:
 * <ol>
 *   <li>{@code SURGE_TEST_KAFKA_BOOTSTRAP}: an existing cluster (nothing is started or stopped);</li>
 *   <li>Testcontainers' Kafka container, where a Docker engine answers;</li>
 *   <li>otherwise {@link EmbeddedKafkaBroker} in this JVM, on a fresh temporary directory.</li>
 * </ol>
 */
public final class TestKafka implements AutoCloseable {
    public static final String EXTERNAL_VARIABLE = "SURGE_TEST_KAFKA_BOOTSTRAP";
    private static final Logger LOG = LoggerFactory.getLogger(TestKafka.class);
    private static final String KAFKA_IMAGE = "apache/kafka:4.1.0";

    private final String bootstrapServers;
    private final AutoCloseable resource;
    private final Path tempDir;

    private TestKafka(String bootstrapServers, AutoCloseable resource, Path tempDir) {
        this.bootstrapServers = bootstrapServers;
        this.resource = resource;
        this.tempDir = tempDir;
    }

    public static TestKafka start() {
        String external = System.getenv(EXTERNAL_VARIABLE);
        if (external != null && !external.isBlank()) {
            LOG.info("Integration tests use the Kafka cluster at {} ({})", external, EXTERNAL_VARIABLE);
            return new TestKafka(external, null, null);
        }
        if (dockerAvailable()) {
            KafkaContainer container = new KafkaContainer(KAFKA_IMAGE);
            container.start();
            LOG.info("Integration tests use a Kafka container at {}", container.getBootstrapServers());
            return new TestKafka(container.getBootstrapServers(), container, null);
        }
        try {
            Path dir = Files.createTempDirectory("surge-test-kafka");
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir, 0, 0, Map.of());
            LOG.info("No Docker engine: integration tests use an embedded KRaft broker at {}", broker.bootstrapServers());
            return new TestKafka(broker.bootstrapServers(), broker, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() throws Exception {
        if (resource != null) {
            resource.close();
        }
        if (tempDir != null) {
            try (Stream<Path> paths = Files.walk(tempDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
