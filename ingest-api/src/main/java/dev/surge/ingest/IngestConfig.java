package dev.surge.ingest;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.Settings;
import dev.surge.common.config.TopicSettings;
import dev.surge.common.config.SettingException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * ingest-api's settings, typed and validated once at start.
 *
 * @param ackTimeout     how long a request waits for its count before it is answered 202 (durable, not yet counted)
 * @param produceTimeout how long Kafka may take to acknowledge a write before the request is answered 503
 * @param counterUrls    counter-streams instances that answer {@code GET /load} queries proxied by this API
 */
public record IngestConfig(KafkaSettings kafka, TopicSettings topics, String httpHost, int httpPort,
                           Duration ackTimeout, Duration produceTimeout, String ackGroupId, List<URI> counterUrls) {

    public static IngestConfig from(Settings settings) {
        return new IngestConfig(
                KafkaSettings.from(settings),
                TopicSettings.from(settings),
                settings.string("http.host", "127.0.0.1"),
                settings.integer("http.port", 8080, 0, 65_535),
                settings.duration("ack.timeout", Duration.ofSeconds(2), Duration.ofMillis(1), Duration.ofMinutes(5)),
                settings.duration("produce.timeout", Duration.ofSeconds(2), Duration.ofMillis(100),
                        Duration.ofMinutes(5)),
                settings.string("ack.group.id", "surge-ingest-acks"),
                urls(settings.string("counter.urls", "http://127.0.0.1:8081")));
    }

    private static List<URI> urls(String commaSeparated) {
        List<URI> urls = new ArrayList<>();
        for (String part : commaSeparated.split(",")) {
            String trimmed = part.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            try {
                URI uri = new URI(trimmed);
                if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw new URISyntaxException(trimmed, "not an http://host:port URL");
                }
                urls.add(uri);
            } catch (URISyntaxException e) {
                throw new SettingException("SURGE_COUNTER_URLS (counter.urls) should be comma-separated "
                        + "http://host:port URLs but has '" + trimmed + "'");
            }
        }
        if (urls.isEmpty()) {
            throw new SettingException("SURGE_COUNTER_URLS (counter.urls) should name at least one URL");
        }
        return List.copyOf(urls);
    }
}
