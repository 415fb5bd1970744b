package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.Settings;
import dev.surge.common.config.TopicSettings;
import dev.surge.common.countpath.CountPath;
import dev.surge.common.event.LoadEvent;
import dev.surge.common.topic.TopicProvisioner;
import dev.surge.ingest.publish.EventPublisher;
import dev.surge.ingest.publish.KafkaEventPublisher;
import dev.surge.ingest.publish.KafkaUnavailableException;
import dev.surge.testkit.TestKafkaExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * On a real broker: when the producer has no metadata for the topic it writes to (here the topic is deleted, as a
 * stopping broker can also make the producer forget it), {@code KafkaProducer.send} waits for metadata on the
 * calling thread, a request thread. The publisher bounds that wait by {@code max.block.ms}, far below the produce
 * timeout, and reports the write as refused (503, not written), so a few request threads are never all held by
 * writes that cannot start.
 */
class WriteHoldsNoThreadIT {
    private static final Duration PRODUCE_TIMEOUT = Duration.ofSeconds(20);
    @RegisterExtension
    static final TestKafkaExtension KAFKA = new TestKafkaExtension();

    @Test
    void shouldRefuseAWriteWithoutTopicMetadataWithinMaxBlockNotTheProduceTimeout() throws Exception {
        Settings settings = new Settings(Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(),
                "load.events.partitions", "2", "ack.partitions", "2"));
        KafkaSettings kafkaSettings = KafkaSettings.from(settings);
        CountPath countPath = CountPath.initial(2);
        try (Admin admin = Admin.create(kafkaSettings.clientConfig(Map.of()))) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(TopicSettings.from(settings));
            try (EventPublisher publisher = KafkaEventPublisher.create(kafkaSettings, PRODUCE_TIMEOUT,
                    "write-holds-no-thread-it", countPath)) {
                assertThat(publisher.publish(new LoadEvent("e1", "k", 1L), OptionalInt.empty()))
                        .succeedsWithin(Duration.ofSeconds(20));

                admin.deleteTopics(List.of(countPath.writeTo().eventsTopic())).all().get();

                // Writes after the deletion fail as the producer learns the topic is gone; once it has forgotten
                // the topic's metadata, send() waits for it on this thread, at most max.block.ms.
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    long started = System.nanoTime();
                    CompletableFuture<EventPublisher.Written> write = publisher.publish(
                            new LoadEvent("e2", "k", 1L), OptionalInt.empty());
                    Duration held = Duration.ofNanos(System.nanoTime() - started);
                    assertThat(write).as("refused while send() returned").isCompletedExceptionally();
                    assertThat(write).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                            .withCauseInstanceOf(KafkaUnavailableException.class)
                            .withMessageContaining("not present in metadata");
                    assertThat(held).as("time send() held the calling thread").isLessThan(Duration.ofSeconds(2));
                });
            }
        }
    }
}
