package dev.surge.common.config;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * Kafka client settings shared by every producer, consumer, admin and Streams client of a process: every
 * {@code kafka.*} setting (bootstrap servers, SASL, SSL, ...) is passed through as it is. Services layer their own
 * defaults under these with {@code putIfAbsent}, so a user can override any Kafka setting.
 */
public record KafkaSettings(Map<String, String> clientProperties) {
    public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";

    /**
     * {@code retry.backoff.max.ms} of every client Surge creates ({@link #clientConfig}: ingest-api's producer and ack
     * consumers, counter-streams' Streams clients, admin clients, the count path watcher); Kafka's default is 1 s. A SIGKILLed broker stays the leader of its
     * partitions in the metadata until the controller fences it (broker.session.timeout.ms after its last heartbeat,
     * or after a new controller's activation when the controller died with it). Meanwhile every metadata refresh a
     * client asks for names the dead leader again, and Kafka's client counts each such answer as "equivalent"
     * ({@code Metadata.equivalentResponseCount}, 4.x) and backs off the next refresh exponentially from
     * {@code retry.backoff.ms} up to this maximum ({@code Metadata.timeToAllowUpdate}). So once the new leader is
     * elected, a client learned of it up to 1.2 s (1 s, 20 % jitter) later, and each hop of the count path (event
     * produced, event fetched, ack produced, ack fetched) waited for its own client's next refresh: in
     * {@code ./surge faults --brokers 3} broker kills counting came back 1.1-1.7 s after the leaders moved. 200 ms: a
     * client asks at most 0.24 s after the leader moved (the Streams producers resumed 0.1-0.5 s after it; counting as
     * a whole still took 1.1-1.5 s in two runs, other waits remain: README "Running against a Kafka cluster"). Cost:
     * while a leader is missing, each client sends up to 5 metadata requests a second instead of 1, and other retries
     * (coordinator lookups, heartbeats to a lost coordinator) back off to 200 ms at most too.
     */
    public static final long RETRY_BACKOFF_MAX_MS = 200;

    public KafkaSettings {
        clientProperties = Map.copyOf(clientProperties);
        String bootstrap = clientProperties.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new SettingException("SURGE_KAFKA_BOOTSTRAP_SERVERS (kafka.bootstrap.servers) should name at least "
                    + "one host:port");
        }
    }

    public static KafkaSettings from(Settings settings) {
        Map<String, String> client = new TreeMap<>(settings.withPrefix("kafka."));
        client.putIfAbsent(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, DEFAULT_BOOTSTRAP);
        return new KafkaSettings(client);
    }

    public static KafkaSettings bootstrap(String bootstrapServers) {
        return new KafkaSettings(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** The same settings for another cluster: how a tool points the user's SASL/SSL settings at the cluster it uses. */
    public KafkaSettings withBootstrapServers(String bootstrapServers) {
        Map<String, String> changed = new TreeMap<>(clientProperties);
        changed.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return new KafkaSettings(changed);
    }

    public String bootstrapServers() {
        return clientProperties.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
    }

    /**
     * A fresh, mutable copy for one client, with {@code defaults} underneath the user's settings, and
     * {@link #RETRY_BACKOFF_MAX_MS} underneath both.
     */
    public Map<String, Object> clientConfig(Map<String, ?> defaults) {
        Map<String, Object> config = new TreeMap<>(clientProperties);
        defaults.forEach(config::putIfAbsent);
        config.putIfAbsent(CommonClientConfigs.RETRY_BACKOFF_MAX_MS_CONFIG, RETRY_BACKOFF_MAX_MS);
        return config;
    }

    /** Safe to log: values of settings that may hold secrets are masked. */
    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        clientProperties.forEach((key, value) -> shown.put(key, isSecret(key) ? "[hidden]" : value));
        return "KafkaSettings" + shown;
    }

    static boolean isSecret(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        return lower.contains("password") || lower.contains("jaas") || lower.contains("secret")
                || lower.contains("token") || lower.endsWith(".key");
    }
}
