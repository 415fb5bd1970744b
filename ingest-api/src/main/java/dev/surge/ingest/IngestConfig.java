package dev.surge.ingest;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.SettingException;
import dev.surge.common.config.Settings;
import dev.surge.common.config.TopicSettings;
import dev.surge.ingest.admission.AdmissionConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * ingest-api's settings, typed and validated once at start.
 *
 * @param ackTimeout           how long a request waits for its count before it is answered 202 (durable, not yet
 *                             counted)
 * @param produceTimeout       how long Kafka may take to acknowledge a write before the request is answered 504
 *                             (and the breaker counts a failure)
 * @param counterUrls          counter-streams instances that answer {@code GET /load} queries proxied by this API
 * @param breakerOpenDuration  how long writes are refused at once after the Kafka circuit breaker opens, before it
 *                             lets probe writes through
 * @param idempotencyRetention how long counter-streams remembers an {@code Idempotency-Key}; enforced there, read
 *                             here only to be validated and reported (the same variable configures both)
 * @param admission            rate limits, body and in-flight bounds, API keys
 * @param instanceId           this instance's name in the ack consumer group ({@code group.instance.id}), the same
 *                             across restarts of the instance and unique among the instances running at once; empty
 *                             for a dynamic member (see {@code KafkaAckInbox})
 */
public record IngestConfig(KafkaSettings kafka, TopicSettings topics, String httpHost, int httpPort,
                           Duration ackTimeout, Duration produceTimeout, String ackGroupId, List<URI> counterUrls,
                           Duration breakerOpenDuration, Duration idempotencyRetention, AdmissionConfig admission,
                           Optional<String> instanceId) {
    public static final Duration DEFAULT_BREAKER_OPEN_DURATION = Duration.ofSeconds(5);
    public static final Duration DEFAULT_IDEMPOTENCY_RETENTION = Duration.ofHours(24);
    public static final URI DEFAULT_COUNTER_URL = URI.create("http://127.0.0.1:8081");
    /** What Kafka accepts as a {@code group.instance.id} (the rule for topic names). */
    private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    public IngestConfig {
        counterUrls = List.copyOf(counterUrls);
        if (breakerOpenDuration.isNegative() || breakerOpenDuration.isZero()) {
            throw new SettingException("SURGE_BREAKER_OPEN_DURATION should be greater than 0 but was "
                    + breakerOpenDuration);
        }
        instanceId.ifPresent(id -> {
            if (!INSTANCE_ID.matcher(id).matches() || id.equals(".") || id.equals("..")) {
                throw new SettingException("SURGE_INSTANCE_ID (instance.id) should be 1-249 characters of A-Z a-z 0-9 "
                        + ". _ - but was '" + id + "'");
            }
        });
    }


    /**
     * How long a request waits for its count before the answer is 202. A count takes one commit cycle (~20 ms); the
     * wait is for the moments a partition moves between counter-streams instances: a graceful stop or a join moved
     * partitions within about 3 s here, a crash within 7-10 s (README, "Failover").
     */
    public static final Duration DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(5);

    public static IngestConfig from(Settings settings) {
        return new IngestConfig(
                KafkaSettings.from(settings),
                TopicSettings.from(settings),
                settings.string("http.host", "127.0.0.1"),
                settings.integer("http.port", 8080, 0, 65_535),
                settings.duration("ack.timeout", DEFAULT_ACK_TIMEOUT, Duration.ofMillis(1), Duration.ofMinutes(5)),
                settings.duration("produce.timeout", Duration.ofSeconds(2), Duration.ofMillis(100),
                        Duration.ofMinutes(5)),
                settings.string("ack.group.id", "surge-ingest-acks"),
                urls(settings.string("counter.urls", DEFAULT_COUNTER_URL.toString())),
                settings.duration("breaker.open.duration", DEFAULT_BREAKER_OPEN_DURATION, Duration.ofMillis(100),
                        Duration.ofMinutes(10)),
                // The same bounds as counter-streams, which enforces it.
                settings.duration("idempotency.retention", DEFAULT_IDEMPOTENCY_RETENTION, Duration.ofSeconds(1),
                        Duration.ofDays(30)),
                AdmissionConfig.from(settings),
                Optional.ofNullable(settings.string("instance.id", null)));
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
