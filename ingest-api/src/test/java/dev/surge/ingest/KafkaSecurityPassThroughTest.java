package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.Settings;
import dev.surge.ingest.ack.KafkaAckInbox;
import dev.surge.ingest.publish.KafkaEventPublisher;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Every {@code kafka.*} setting, SASL_SSL included, reaches ingest-api's producer and consumer as Kafka reads it. */
class KafkaSecurityPassThroughTest {
    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"surge\" password=\"not-a-real-password\";";

    private final KafkaSettings kafka = KafkaSettings.from(Settings.fromEnvironment(Map.of(
            "SURGE_KAFKA_BOOTSTRAP_SERVERS", "broker-1.example.com:9093",
            "SURGE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
            "SURGE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
            "SURGE_KAFKA_SASL_JAAS_CONFIG", JAAS,
            "SURGE_KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/surge/truststore.p12",
            "SURGE_KAFKA_SSL_TRUSTSTORE_TYPE", "PKCS12",
            "SURGE_KAFKA_SSL_TRUSTSTORE_PASSWORD", "not-a-real-secret")));

    private static void assertSecured(AbstractConfig config) {
        assertThat(config.getList(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG))
                .containsExactly("broker-1.example.com:9093");
        assertThat(config.getString(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)).isEqualTo("SASL_SSL");
        assertThat(config.getString(SaslConfigs.SASL_MECHANISM)).isEqualTo("SCRAM-SHA-512");
        assertThat(config.getPassword(SaslConfigs.SASL_JAAS_CONFIG).value()).isEqualTo(JAAS);
        assertThat(config.getString(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG)).isEqualTo("/etc/surge/truststore.p12");
        assertThat(config.getString(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG)).isEqualTo("PKCS12");
        assertThat(config.getPassword(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG).value()).isEqualTo("not-a-real-secret");
    }

    @Test
    void shouldHandSaslSslSettingsToTheProducer() {
        Map<String, Object> settings = new HashMap<>(
                KafkaEventPublisher.producerConfig(kafka, Duration.ofSeconds(2), "ingest-test"));
        settings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        settings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);

        ProducerConfig producer = new ProducerConfig(settings);

        assertSecured(producer);
        assertThat(producer.getString(ProducerConfig.ACKS_CONFIG)).as("acks=all").isEqualTo("-1");
        assertThat(producer.getInt(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)).isEqualTo(2000);
    }

    @Test
    void shouldHandSaslSslSettingsToTheAckConsumer() {
        Map<String, Object> settings = new HashMap<>(KafkaAckInbox.consumerConfig(kafka, "acks", "ingest-test-acks",
                Optional.empty()));
        settings.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        settings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);

        ConsumerConfig consumer = new ConsumerConfig(settings);

        assertSecured(consumer);
        assertThat(consumer.getString(ConsumerConfig.ISOLATION_LEVEL_CONFIG)).isEqualTo("read_committed");
        assertThat(consumer.getString(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)).as("a dynamic member").isNull();
    }

    @Test
    void shouldMakeTheAckConsumerAStaticMemberWithTheInstanceId() {
        Map<String, Object> settings = new HashMap<>(KafkaAckInbox.consumerConfig(kafka, "acks", "ingest-test-acks",
                Optional.of("ingest-api-1")));
        settings.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        settings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);

        ConsumerConfig consumer = new ConsumerConfig(settings);

        assertSecured(consumer);
        assertThat(consumer.getString(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)).isEqualTo("ingest-api-1");
        assertThat(consumer.getString(ConsumerConfig.GROUP_PROTOCOL_CONFIG)).isEqualTo("consumer");
    }

    @Test
    void shouldHideSecretsWhenTheSettingsAreLogged() {
        assertThat(kafka.toString()).doesNotContain("not-a-real-password").doesNotContain("not-a-real-secret")
                .contains("SASL_SSL");
    }
}
