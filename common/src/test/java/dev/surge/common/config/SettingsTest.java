package dev.surge.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

    @Test
    void shouldMapSurgeEnvironmentVariablesToDottedKeys() {
        Settings settings = Settings.fromEnvironment(Map.of(
                "SURGE_ACK_TIMEOUT", "750ms",
                "SURGE_KAFKA_SASL_MECHANISM", "PLAIN",
                "PATH", "/usr/bin"));

        assertThat(settings.duration("ack.timeout", Duration.ZERO, Duration.ZERO, Duration.ofHours(1)))
                .isEqualTo(Duration.ofMillis(750));
        assertThat(settings.withPrefix("kafka.")).containsExactly(Map.entry("sasl.mechanism", "PLAIN"));
        assertThat(settings.string("path", "unset")).isEqualTo("unset");
    }

    @Test
    void shouldLetEnvironmentWinOverThePropertiesFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("surge.properties");
        Files.writeString(file, "ack.timeout=5s\nhttp.port=9000\n");

        Settings settings = Settings.fromEnvironment(Map.of("SURGE_CONFIG_FILE", file.toString(),
                "SURGE_HTTP_PORT", "9100"));

        assertThat(settings.integer("http.port", 1, 0, 65_535)).isEqualTo(9100);
        assertThat(settings.duration("ack.timeout", Duration.ZERO, Duration.ZERO, Duration.ofHours(1)))
                .isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void shouldNameTheVariableAndTheRuleWhenAValueIsBad() {
        Settings settings = new Settings(Map.of("http.port", "eighty", "ack.timeout", "soon", "load.events.partitions", "0"));

        assertThatThrownBy(() -> settings.integer("http.port", 1, 0, 65_535))
                .isInstanceOf(SettingException.class)
                .hasMessage("SURGE_HTTP_PORT (http.port) should be a whole number but was 'eighty'");
        assertThatThrownBy(() -> settings.duration("ack.timeout", Duration.ZERO, Duration.ZERO, Duration.ofHours(1)))
                .hasMessageContaining("SURGE_ACK_TIMEOUT (ack.timeout) should be a duration like 500ms");
        assertThatThrownBy(() -> TopicSettings.from(settings))
                .hasMessage("SURGE_LOAD_EVENTS_PARTITIONS (load.events.partitions) should be between 1 and 10000 but was 0");
    }

    @Test
    void shouldAskTwoInSyncReplicasOfTopicsWithThreeAndNothingOfUnreplicatedOnes() {
        assertThat(TopicSettings.from(new Settings(Map.of())).topicConfigs()).isEmpty();
        assertThat(TopicSettings.from(new Settings(Map.of("replication.factor", "3"))).topicConfigs())
                .containsExactly(Map.entry("min.insync.replicas", "2"));
        assertThat(TopicSettings.from(new Settings(Map.of("replication.factor", "5", "min.insync.replicas", "3")))
                .topicConfigs()).containsExactly(Map.entry("min.insync.replicas", "3"));
        assertThatThrownBy(() -> TopicSettings.from(new Settings(Map.of("replication.factor", "3",
                "min.insync.replicas", "4"))))
                .hasMessage("min.insync.replicas should be between 1 and the replication factor (3) but was 4");
    }

    @Test
    void shouldDefaultKafkaToLoopbackAndHideSecretsWhenLogged() {
        KafkaSettings kafka = KafkaSettings.from(new Settings(Map.of(
                "kafka.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"s3cret\";",
                "kafka.ssl.truststore.password", "hunter2")));

        assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(kafka.toString()).doesNotContain("s3cret").doesNotContain("hunter2").contains("[hidden]");
        assertThat(kafka.clientConfig(Map.of("acks", "all", "bootstrap.servers", "ignored")))
                .containsEntry("acks", "all")
                .containsEntry("bootstrap.servers", "127.0.0.1:9092")
                .containsEntry("ssl.truststore.password", "hunter2");
    }

    @Test
    void shouldGiveEveryClientTheShortRetryBackoffUnlessTheUserSetsOne() {
        KafkaSettings kafka = KafkaSettings.bootstrap("127.0.0.1:9092");
        assertThat(kafka.clientConfig(Map.of("acks", "all")))
                .containsEntry("retry.backoff.max.ms", KafkaSettings.RETRY_BACKOFF_MAX_MS);
        assertThat(KafkaSettings.from(new Settings(Map.of("kafka.retry.backoff.max.ms", "1000"))).clientConfig(Map.of()))
                .containsEntry("retry.backoff.max.ms", "1000");
    }
}
