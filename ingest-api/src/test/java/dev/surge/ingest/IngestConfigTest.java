package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.surge.common.config.SettingException;
import dev.surge.common.config.Settings;
import dev.surge.ingest.admission.ApiKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestConfigTest {
    @TempDir
    Path dir;

    private static IngestConfig fromEnvironment(Map<String, String> environment) {
        return IngestConfig.from(Settings.fromEnvironment(environment));
    }

    @Test
    void shouldDefaultToNoRateLimitsNoKeysAnd8KiBBodies() {
        IngestConfig config = fromEnvironment(Map.of());

        assertThat(config.admission().rateLimit()).isZero();
        assertThat(config.admission().globalRateLimit()).isZero();
        assertThat(config.admission().rateLimitClients()).isEqualTo(10_000);
        assertThat(config.admission().maxBodyBytes()).isEqualTo(8192);
        assertThat(config.admission().bodyTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.admission().maxInFlight()).isEqualTo(1024);
        assertThat(config.admission().requestThreads())
                .isEqualTo(Math.max(8, 4 * Runtime.getRuntime().availableProcessors()));
        assertThat(config.admission().apiKeys().enabled()).isFalse();
        assertThat(config.ackTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.produceTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.breakerOpenDuration()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.idempotencyRetention()).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void shouldReadEveryAdmissionSettingFromTheEnvironment() throws Exception {
        Path keys = Files.writeString(dir.resolve("keys"), "checkout:" + ApiKeys.sha256Hex("raw") + "\n");

        IngestConfig config = fromEnvironment(Map.of(
                "SURGE_RATE_LIMIT", "50",
                "SURGE_GLOBAL_RATE_LIMIT", "2000",
                "SURGE_RATE_LIMIT_CLIENTS", "500",
                "SURGE_MAX_BODY_BYTES", "1024",
                "SURGE_BODY_TIMEOUT", "3s",
                "SURGE_MAX_IN_FLIGHT", "64",
                "SURGE_HTTP_THREADS", "24",
                "SURGE_API_KEYS_FILE", keys.toString(),
                "SURGE_BREAKER_OPEN_DURATION", "500ms",
                "SURGE_IDEMPOTENCY_RETENTION", "1h"));

        assertThat(config.admission().rateLimit()).isEqualTo(50);
        assertThat(config.admission().globalRateLimit()).isEqualTo(2000);
        assertThat(config.admission().rateLimitClients()).isEqualTo(500);
        assertThat(config.admission().maxBodyBytes()).isEqualTo(1024);
        assertThat(config.admission().bodyTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.admission().maxInFlight()).isEqualTo(64);
        assertThat(config.admission().requestThreads()).isEqualTo(24);
        assertThat(config.admission().apiKeys().nameOf("raw")).contains("checkout");
        assertThat(config.breakerOpenDuration()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.idempotencyRetention()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void shouldJoinTheAckGroupAsAStaticMemberOnlyWhenAnInstanceIdIsSet() {
        assertThat(fromEnvironment(Map.of()).instanceId()).isEmpty();
        assertThat(fromEnvironment(Map.of("SURGE_INSTANCE_ID", "ingest-api-0.example_1")).instanceId())
                .contains("ingest-api-0.example_1");
    }

    @Test
    void shouldRefuseAnInstanceIdKafkaWouldRefuse() {
        assertThatThrownBy(() -> fromEnvironment(Map.of("SURGE_INSTANCE_ID", "ingest api")))
                .isInstanceOf(SettingException.class)
                .hasMessage("SURGE_INSTANCE_ID (instance.id) should be 1-249 characters of A-Z a-z 0-9 . _ - "
                        + "but was 'ingest api'");
        assertThatThrownBy(() -> fromEnvironment(Map.of("SURGE_INSTANCE_ID", "x".repeat(250))))
                .isInstanceOf(SettingException.class)
                .hasMessageStartingWith("SURGE_INSTANCE_ID (instance.id) should be 1-249 characters");
    }

    @Test
    void shouldReadTheSameKeysFromThePropertiesFile() throws Exception {
        Path file = Files.writeString(dir.resolve("surge.properties"), "rate.limit=7\nmax.in.flight=9\n");

        IngestConfig config = fromEnvironment(Map.of("SURGE_CONFIG_FILE", file.toString(), "SURGE_MAX_IN_FLIGHT", "11"));

        assertThat(config.admission().rateLimit()).isEqualTo(7);
        assertThat(config.admission().maxInFlight()).as("the environment wins").isEqualTo(11);
    }

    @Test
    void shouldNameTheVariableAndTheRuleWhenASettingIsWrong() {
        assertThatThrownBy(() -> fromEnvironment(Map.of("SURGE_RATE_LIMIT", "-1")))
                .isInstanceOf(SettingException.class)
                .hasMessage("SURGE_RATE_LIMIT (rate.limit) should be between 0 and 1000000 but was -1");
        assertThatThrownBy(() -> fromEnvironment(Map.of("SURGE_MAX_IN_FLIGHT", "lots")))
                .isInstanceOf(SettingException.class)
                .hasMessage("SURGE_MAX_IN_FLIGHT (max.in.flight) should be a whole number but was 'lots'");
        assertThatThrownBy(() -> fromEnvironment(Map.of("SURGE_MAX_BODY_BYTES", "10")))
                .hasMessageContaining("SURGE_MAX_BODY_BYTES (max.body.bytes) should be between 64 and");
        assertThatThrownBy(() -> fromEnvironment(Map.of("SURGE_BODY_TIMEOUT", "10ms")))
                .hasMessageContaining("SURGE_BODY_TIMEOUT (body.timeout) should be between PT0.1S and PT5M");
        assertThatThrownBy(() -> fromEnvironment(Map.of("SURGE_HTTP_THREADS", "4")))
                .hasMessage("SURGE_HTTP_THREADS (http.threads) should be between 8 and 10000 but was 4");
        assertThatThrownBy(() -> fromEnvironment(Map.of("SURGE_IDEMPOTENCY_RETENTION", "forever")))
                .hasMessageContaining("SURGE_IDEMPOTENCY_RETENTION (idempotency.retention) should be a duration");
        assertThatThrownBy(() -> fromEnvironment(Map.of("SURGE_API_KEYS_FILE", dir.resolve("none").toString())))
                .isInstanceOf(SettingException.class)
                .hasMessageContaining("SURGE_API_KEYS_FILE");
    }
}
