package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.Settings;
import dev.surge.common.countpath.CountPath;
import dev.surge.common.event.LoadEvent;
import dev.surge.common.topic.TopicProvisioner;
import dev.surge.common.config.TopicSettings;
import dev.surge.ingest.publish.EventPublisher;
import dev.surge.ingest.publish.KafkaEventPublisher;
import dev.surge.ingest.publish.KafkaUnavailableException;
import dev.surge.testkit.TestKafkaExtension;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * On a real broker: a write the producer refuses before it takes the record (here, larger than
 * {@code max.request.size}) cannot reach Kafka later, so ingest-api reports it as refused (503), not as unknown
 * (504). The producer reports such failures through the callback while still inside {@code send()}.
 */
class KafkaEventPublisherIT {
    @RegisterExtension
    static final TestKafkaExtension KAFKA = new TestKafkaExtension();

    @Test
    void shouldReportARecordTheProducerNeverTookAsRefusedAndAWrittenOneAsWritten() throws Exception {
        Settings settings = new Settings(Map.of(
                "kafka.bootstrap.servers", KAFKA.bootstrapServers(),
                "kafka.max.request.size", "2048"));
        try (Admin admin = Admin.create(KafkaSettings.from(settings).clientConfig(Map.of()))) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(TopicSettings.from(settings));
        }
        try (EventPublisher publisher = KafkaEventPublisher.create(KafkaSettings.from(settings),
                Duration.ofSeconds(10), "publisher-it", CountPath.initial(12))) {
            CompletableFuture<EventPublisher.Written> small = publisher.publish(
                    new LoadEvent("e1", "k", 1L), OptionalInt.empty());
            CompletableFuture<EventPublisher.Written> tooLarge = publisher.publish(
                    new LoadEvent("e2", "k", 1L, "c".repeat(4_000), null), OptionalInt.empty());

            assertThat(small).succeedsWithin(Duration.ofSeconds(20));
            assertThat(tooLarge).failsWithin(Duration.ofSeconds(20))
                    .withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(KafkaUnavailableException.class)
                    .withMessageContaining("RecordTooLargeException");
        }
    }
}
