package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UpOptionsTest {
    private final Path home = Path.of("/opt/surge");

    @Test
    void shouldDefaultToTheDocumentedPortsAndDataDir() {
        UpOptions options = UpOptions.parse(new String[0], home);

        assertThat(options.dataDir()).isEqualTo(Path.of("data"));
        assertThat(options.apiPort()).isEqualTo(8080);
        assertThat(options.counterPort()).isEqualTo(8081);
        assertThat(options.brokerPort()).isEqualTo(9092);
        assertThat(options.controllerPort()).isEqualTo(9093);
        assertThat(options.partitions()).isEqualTo(12);
        assertThat(options.counterInstances()).isEqualTo(1);
        assertThat(options.bootstrapServers()).isEqualTo("127.0.0.1:9092");
    }

    @Test
    void shouldUseAnExistingClusterWhenOneIsNamed() {
        UpOptions options = UpOptions.parse(new String[] {"--kafka", "kafka-1:9092", "--data-dir", "/tmp/d",
                "--partitions", "24", "--counter-instances", "3"}, home);

        assertThat(options.kafka()).isEqualTo(Optional.of("kafka-1:9092"));
        assertThat(options.bootstrapServers()).isEqualTo("kafka-1:9092");
        assertThat(options.dataDir()).isEqualTo(Path.of("/tmp/d"));
        assertThat(options.partitions()).isEqualTo(24);
        assertThat(options.counterInstances()).isEqualTo(3);
    }

    @Test
    void shouldExplainBadFlags() {
        assertThatThrownBy(() -> UpOptions.parse(new String[] {"--port", "http"}, home))
                .hasMessage("--port should be a whole number but was 'http'");
        assertThatThrownBy(() -> UpOptions.parse(new String[] {"--partitions", "0"}, home))
                .hasMessage("--partitions should be between 1 and 10000 but was 0");
        assertThatThrownBy(() -> UpOptions.parse(new String[] {"--frobnicate", "1"}, home))
                .hasMessageStartingWith("unknown option --frobnicate");
        assertThatThrownBy(() -> UpOptions.parse(new String[] {"--data-dir"}, home))
                .hasMessageStartingWith("missing value after --data-dir");
    }
}
