package dev.surge.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioSettingsTest {
    @TempDir
    Path dir;

    private ScenarioSettings options(String target, String profile) {
        return new ScenarioSettings(target, profile == null ? null : List.of(profile), null, null, null, null, null,
                null, null, null, null, null, null);
    }

    @Test
    void shouldReadAScenarioFileAndLetOptionsWin() throws Exception {
        Path file = Files.writeString(dir.resolve("spike.json"), """
                {"profile": ["500/s for 10s", "ramp 500/s to 5000/s over 20s"], "keys": 50, "zipf": 1.1,
                 "mode": "batch-retry", "batchSize": 50, "timeout": "2s", "seed": 7}
                """);

        Scenario scenario = ScenarioSettings.read(file).overriddenBy(options(null, null))
                .toScenario(true, Optional.empty());
        Scenario overridden = ScenarioSettings.read(file).overriddenBy(options("http://localhost:18080/",
                "100/s for 1s")).toScenario(true, Optional.empty());

        assertThat(scenario.profile()).isEqualTo(Profile.parse("500/s for 10s, ramp 500/s to 5000/s over 20s"));
        assertThat(scenario.keys()).isEqualTo(50);
        assertThat(scenario.zipf()).isEqualTo(1.1);
        assertThat(scenario.mode()).isEqualTo(Mode.BATCH_RETRY);
        assertThat(scenario.batchSize()).isEqualTo(50);
        assertThat(scenario.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(scenario.seed()).isEqualTo(7);
        assertThat(scenario.target()).isEqualTo(URI.create("http://127.0.0.1:8080"));
        assertThat(scenario.keyPrefix()).matches("spike-\\d{8}-\\d{6}-[0-9a-f]{4}");
        assertThat(overridden.profile()).isEqualTo(Profile.parse("100/s for 1s"));
        assertThat(overridden.target()).isEqualTo(URI.create("http://localhost:18080"));
        assertThat(overridden.keys()).isEqualTo(50);
    }

    @Test
    void shouldNameWhatIsWrongInAScenarioFile() throws Exception {
        Path unknown = Files.writeString(dir.resolve("a.json"), "{\"profile\":\"1/s for 1s\",\"rate\":5}");
        Path broken = Files.writeString(dir.resolve("b.json"), "{\"profile\": ");
        Path badMode = Files.writeString(dir.resolve("c.json"), "{\"profile\":\"1/s for 1s\",\"mode\":\"fast\"}");

        assertThatThrownBy(() -> ScenarioSettings.read(unknown)).isInstanceOf(ProfileException.class)
                .hasMessageStartingWith("scenario " + unknown + ": unknown field 'rate'");
        assertThatThrownBy(() -> ScenarioSettings.read(broken)).hasMessageStartingWith("scenario " + broken
                + " is not valid");
        assertThatThrownBy(() -> ScenarioSettings.read(badMode).toScenario(true, Optional.empty()))
                .hasMessage("mode 'fast' is not one of single, batch, retry, batch-retry");
        assertThatThrownBy(() -> ScenarioSettings.none().toScenario(true, Optional.empty()))
                .hasMessageStartingWith("no profile");
    }

    @Test
    void shouldTargetOnlyThisMachineUnlessAllowed() {
        for (String local : List.of("http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080",
                "http://127.0.0.2:8080")) {
            assertThat(options(local, "1/s for 1s").toScenario(true, Optional.empty()).requireLoopback(false))
                    .isNotNull();
        }
        Scenario remote = options("http://10.1.2.3:8080", "1/s for 1s").toScenario(true, Optional.empty());
        assertThatThrownBy(() -> remote.requireLoopback(false)).isInstanceOf(ProfileException.class)
                .hasMessageContaining("is not this machine").hasMessageContaining("--allow-remote");
        assertThat(remote.requireLoopback(true)).isSameAs(remote);
        assertThatThrownBy(() -> options("http://surge.example.com", "1/s for 1s").toScenario(true,
                Optional.empty()).requireLoopback(false)).hasMessageContaining("is not this machine");
        assertThatThrownBy(() -> options("ftp://127.0.0.1", "1/s for 1s").toScenario(true, Optional.empty()))
                .hasMessageContaining("is not an http:// URL");
    }

    @Test
    void shouldReadTheApiKeyFromAFileOrTheEnvironmentAndNeverShowIt() throws Exception {
        Path file = Files.writeString(dir.resolve("key"), "  from-file \n");

        ApiKey fromFile = ApiKey.from(file, Map.of("SURGE_API_KEY", "from-env")).orElseThrow();
        ApiKey fromEnvironment = ApiKey.from(null, Map.of("SURGE_API_KEY", "from-env")).orElseThrow();

        assertThat(fromFile.authorization()).isEqualTo("Bearer from-file");
        assertThat(fromEnvironment.authorization()).isEqualTo("Bearer from-env");
        assertThat(ApiKey.from(null, Map.of())).isEmpty();
        assertThat(fromFile).hasToString("[hidden]");
        Scenario scenario = options(null, "1/s for 1s").toScenario(true, Optional.of(fromFile));
        assertThat(scenario.toString()).doesNotContain("from-file");
        assertThatThrownBy(() -> ApiKey.from(dir.resolve("missing"), Map.of()))
                .hasMessageStartingWith("cannot read the API key file");
    }
}
