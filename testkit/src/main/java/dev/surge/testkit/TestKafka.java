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
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.dockerclient.DockerClientProviderStrategy;
import org.testcontainers.utility.TestcontainersConfiguration;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real Kafka broker for integration tests, chosen in this order:
 * <ol>
 *   <li>{@code SURGE_TEST_KAFKA_BOOTSTRAP}: an existing cluster (nothing is started or stopped);</li>
 *   <li>Testcontainers' Kafka container, where a Docker engine answers and has its images or can pull them (tried once
 *       per JVM, for at most {@link #PULL_TIMEOUT}: an engine with no reachable registry must not cost each test
 *       class Testcontainers' own pull retries);</li>
 *   <li>otherwise {@link EmbeddedKafkaBroker} in this JVM, on a fresh temporary directory.</li>
 * </ol>
 */
public final class TestKafka implements AutoCloseable {
    public static final String EXTERNAL_VARIABLE = "SURGE_TEST_KAFKA_BOOTSTRAP";
    private static final Logger LOG = LoggerFactory.getLogger(TestKafka.class);
    /** The client jars' Kafka version, as compose/ pins it. */
    private static final String KAFKA_IMAGE = "apache/kafka:4.4.0";
    private static final Duration PULL_TIMEOUT = Duration.ofSeconds(60);
    private static Boolean containerUsable;

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
        if (kafkaContainerUsable()) {
            KafkaContainer container = new KafkaContainer(KAFKA_IMAGE);
            container.start();
            LOG.info("Integration tests use a Kafka container at {}", container.getBootstrapServers());
            return new TestKafka(container.getBootstrapServers(), container, null);
        }
        try {
            Path dir = Files.createTempDirectory("surge-test-kafka");
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir, 0, 0, Map.of());
            LOG.info("Integration tests use an embedded KRaft broker at {}", broker.bootstrapServers());
            return new TestKafka(broker.bootstrapServers(), broker, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized boolean kafkaContainerUsable() {
        if (containerUsable == null) {
            containerUsable = kafkaAndReaperImages();
        }
        return containerUsable;
    }

    /**
     * Whether a Docker engine answers and has, or can pull within {@link #PULL_TIMEOUT}, the Kafka image and the
     * image of Testcontainers' resource reaper. Asked on a plain client over Testcontainers' transport:
     * {@code DockerClientFactory.isDockerAvailable()} and {@code client()} start the reaper first, whose pull retries
     * for minutes where no registry answers.
     */
    private static boolean kafkaAndReaperImages() {
        DockerClient docker;
        try {
            docker = DockerClientProviderStrategy.getClientForConfig(
                    DockerClientFactory.instance().getTransportConfig());
            docker.pingCmd().exec();
        } catch (RuntimeException e) {
            return false; // no Docker engine
        }
        return imageAvailable(docker, KAFKA_IMAGE)
                && imageAvailable(docker, TestcontainersConfiguration.getInstance().getRyukImage());
    }

    private static boolean imageAvailable(DockerClient docker, String image) {
        try {
            docker.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            LOG.info("Docker has no {} image: pulling it (at most {})", image, PULL_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.info("Docker cannot say whether it has {} ({}): integration tests use an embedded broker", image,
                    e.getMessage());
            return false;
        }
        try {
            if (docker.pullImageCmd(image).start().awaitCompletion(PULL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                return true;
            }
            LOG.info("Pulling {} took longer than {}: integration tests use an embedded broker", image, PULL_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.info("Cannot pull {} ({}): integration tests use an embedded broker", image, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
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
