package dev.surge.counter;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.Settings;
import dev.surge.common.config.TopicSettings;
import dev.surge.common.countpath.Generation;
import dev.surge.counter.assignment.WarmHandoverTaskAssignor;
import dev.surge.counter.topology.CounterTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
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
                // Failover after a crash (classic group protocol; see the README, "Failover"). Until the group
                // coordinator drops a silent member, its tasks stay unprocessed: the consumer default is 45 s.
                // 6 s is the broker's default group.min.session.timeout.ms, the lowest a broker accepts unless its
                // operator lowers it. Cost: a JVM that does not heartbeat for 6 s (a long GC pause, a frozen VM)
                // is dropped and its tasks move away, then back: a rebalance that was not needed.
                Map.entry(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6_000),
                // Members learn of a rebalance (an instance joined or left) from their next heartbeat; the 3 s
                // default left a moved task unprocessed for up to 3 s, longer than ingest-api waits for a count.
                // Cost: 2 heartbeats a second per stream thread to the group coordinator.
                Map.entry(StreamsConfig.mainConsumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 500),
                // A crashed instance leaves an open transaction behind. Until the broker aborts it, read_committed
                // readers see nothing past its first write: no ack on the load-acks partitions it wrote to (every
                // instance's acks stall, not only the dead one's), and the new owner of its tasks cannot fetch their
                // committed offsets. The broker aborts it once transaction.timeout.ms has passed since it began
                // (Streams sets 10 s under exactly-once), checking every
                // transaction.abort.timed.out.transaction.cleanup.interval.ms (broker default 10 s). Cost: a
                // transaction still open after 5 s (commits here come every 10 ms) is aborted, its producer fenced,
                // and Streams rejoins the group and redoes that work.
                Map.entry(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 5_000),
                // Without it, a standby promoted to active under exactly-once was wiped and restored from the
                // changelog's start, seen here on every failover (SIGKILL and SIGTERM) and join: Streams found no
                // committed offset for one of the task's stores (idempotency-keys, whose changelog was empty; at
                // times recent-counts) and, under EOS, treats that as corruption. With transactional stores (KIP-892, Kafka 4.4) Streams does not
                // wipe a store under EOS: uncommitted writes stay in a buffer until the changelog transaction
                // commits (an early commit is forced past statestore.uncommitted.max.bytes, 64 MB by default).
                // Queries still read what was processed: the default interactive-query isolation level,
                // READ_UNCOMMITTED, includes the writes staged since the last commit.
                Map.entry(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true),
                // Where tasks run: active tasks stay on their instance, and a task moves only to an instance that
                // already kept a current standby copy of it (see WarmHandoverTaskAssignor). Streams' default
                // shuffled active tasks between running instances at every join, and gave a joining instance tasks
                // whose changelogs were short at once, in a JVM that had just started: 202s on a join.
                Map.entry(StreamsConfig.TASK_ASSIGNOR_CLASS_CONFIG, WarmHandoverTaskAssignor.class.getName()),
                // A copy is current when it is within 500 changelog records. A joining instance first gets warm-up
                // copies (at most max.warmup.replicas, 2, at a time) and takes tasks over at a probing rebalance.
                // Cost: a new instance takes its share of the work only after one probing interval per round of
                // warm-ups (60 s here, the lowest Streams accepts; 10 min by default).
                Map.entry(StreamsConfig.ACCEPTABLE_RECOVERY_LAG_CONFIG, 500L),
                Map.entry(StreamsConfig.PROBING_REBALANCE_INTERVAL_MS_CONFIG, 60_000L),
                Map.entry(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()),
                Map.entry(StreamsConfig.APPLICATION_SERVER_CONFIG, advertisedHost + ":" + boundHttpPort),
                // Events are read as bytes and checked by the topology, which sends what is not an event to
                // load-events-dlq; Streams decodes only the hand-over records (written by this application), and
                // one that does not decode is logged and skipped.
                Map.entry(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                        LogAndContinueExceptionHandler.class.getName()));
        Map<String, Object> withTopics = new java.util.HashMap<>(defaults);
        // Streams' changelog and repartition topics get what Surge's own topics get (min.insync.replicas when
        // replicated): Streams applies "topic."-prefixed settings to the internal topics it creates.
        topics.topicConfigs().forEach((name, value) -> withTopics.put(StreamsConfig.topicPrefix(name), value));
        Properties properties = new Properties();
        properties.putAll(kafka.clientConfig(withTopics));
        return properties;
    }
}
