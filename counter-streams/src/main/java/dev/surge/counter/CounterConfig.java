package dev.surge.counter;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.Settings;
import dev.surge.common.config.TopicSettings;
import dev.surge.common.countpath.Generation;
import dev.surge.counter.topology.CounterTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/**
 * counter-streams' settings, typed and validated once at start.
 *
 * @param applicationId  Kafka Streams application id: instances with the same id share the work
 * @param stateDir       where this instance keeps its RocksDB state (restored from the changelog when empty)
 * @param httpHost       address of the HTTP endpoints (health, metrics, queries); loopback unless configured
 * @param advertisedHost how other instances reach this one for interactive queries
 * @param topology       retention of per-second buckets and of idempotency keys
 */
public record CounterConfig(KafkaSettings kafka, TopicSettings topics, String applicationId, Path stateDir,
                            String httpHost, int httpPort, String advertisedHost, int streamThreads,
                            CounterTopology.Options topology) {

    public static CounterConfig from(Settings settings) {
        String httpHost = settings.string("http.host", "127.0.0.1");
        return new CounterConfig(
                KafkaSettings.from(settings),
                TopicSettings.from(settings),
                settings.string("application.id", "surge-counter"),
                Path.of(settings.string("state.dir", "data/counter-streams")),
                httpHost,
                settings.integer("http.port", 8081, 0, 65_535),
                settings.string("advertised.host", httpHost),
                settings.integer("stream.threads", 1, 1, 64),
                new CounterTopology.Options(
                        settings.duration("recent.retention", Duration.ofHours(1), Duration.ofMinutes(1),
                                Duration.ofDays(7)),
                        settings.duration("idempotency.retention", Duration.ofHours(24), Duration.ofSeconds(1),
                                Duration.ofDays(30))));
    }

    /**
     * Streams properties: exactly-once, one ack per event, low ack latency. Every {@code kafka.*} setting the user
     * gave wins over these defaults.
     */
    public Properties streamsProperties(Generation generation, int boundHttpPort) {
        Map<String, Object> defaults = Map.ofEntries(
                Map.entry(StreamsConfig.APPLICATION_ID_CONFIG, generation.applicationId(applicationId)),
                Map.entry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2),
                // An ack becomes visible to ingest-api when its transaction commits: commit often, and do not let
                // an idle thread sit in poll() for the default 100 ms before it commits.
                Map.entry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 10),
                Map.entry(StreamsConfig.POLL_MS_CONFIG, 5),
                Map.entry(StreamsConfig.producerPrefix("linger.ms"), 5),
                // A transaction's first write is refused (CONCURRENT_TRANSACTIONS) until the broker has written the
                // previous commit's markers; the default 100 ms retry backoff made every commit cycle wait for it.
                // Measured here: first send of a transaction 33 ms -> 7 ms with a 1 ms backoff.
                Map.entry(StreamsConfig.producerPrefix("retry.backoff.ms"), 5),
                Map.entry(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L),
                // A task of generation 2 or later reads its events and its hand-over partition: their relative
                // order does not matter (events wait in the task until the hand-over is complete), so never idle
                // waiting for the one that is empty.
                Map.entry(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED),
                Map.entry(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) topics.replicationFactor()),
                Map.entry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads),
                // A warm copy of every store on a second instance (when there is one): quick failover, and
                // queries answered (marked stale) while the owner is away.
                Map.entry(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 1),
                Map.entry(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()),
                Map.entry(StreamsConfig.APPLICATION_SERVER_CONFIG, advertisedHost + ":" + boundHttpPort),
                Map.entry(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                        LogAndContinueExceptionHandler.class.getName()));
        Properties properties = new Properties();
        properties.putAll(kafka.clientConfig(defaults));
        return properties;
    }
}
