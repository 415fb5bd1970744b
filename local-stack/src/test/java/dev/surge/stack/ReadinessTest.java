package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadinessTest {
    @Test
    void shouldAskKafkaWithTheServicesClientSettings() {
        KafkaSettings kafka = KafkaSettings.from(Settings.fromEnvironment(Map.of(
                "SURGE_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9093",
                "SURGE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "SURGE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")));

        Map<String, Object> config = Readiness.adminConfig(kafka);

        assertThat(config).containsEntry("bootstrap.servers", "kafka-1:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("request.timeout.ms", 2_000)
                .containsEntry("default.api.timeout.ms", 3_000);
    }
}
