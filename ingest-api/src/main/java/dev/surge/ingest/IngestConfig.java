package dev.surge.ingest;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.Settings;
import dev.surge.common.config.TopicSettings;
import java.time.Duration;

/**
 * ingest-api's settings, typed and validated once at start.
 *
 * @param ackTimeout     how long a request waits for its count before it is answered 202 (durable, not yet counted)
 * @param produceTimeout how long Kafka may take to acknowledge a write before the request is answered 503
 */
public record IngestConfig(KafkaSettings kafka, TopicSettings topics, String httpHost, int httpPort,
                           Duration ackTimeout, Duration produceTimeout, String ackGroupId) {

    public static IngestConfig from(Settings settings) {
        return new IngestConfig(
                KafkaSettings.from(settings),
                TopicSettings.from(settings),
                settings.string("http.host", "127.0.0.1"),
                settings.integer("http.port", 8080, 0, 65_535),
                settings.duration("ack.timeout", Duration.ofSeconds(2), Duration.ofMillis(1), Duration.ofMinutes(5)),
                settings.duration("produce.timeout", Duration.ofSeconds(2), Duration.ofMillis(100),
                        Duration.ofMinutes(5)),
                settings.string("ack.group.id", "surge-ingest-acks"));
    }
}
