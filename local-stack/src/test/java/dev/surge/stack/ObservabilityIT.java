package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.surge.counter.CounterService;
import dev.surge.ingest.IngestServer;
import dev.surge.testkit.TestKafka;
import java.io.File;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The services' /metrics as Prometheus sees them: valid exposition text (promtool), every metric name the
 * dashboard and alerts rely on, and a real Prometheus (Debian package) scraping both services.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityIT {
    private static final Path HOME = Path.of(System.getProperty("surge.home", "..")).toAbsolutePath().normalize();
    private static final Path CONTRACT = HOME.resolve("deploy-check/src/test/resources/exposed-metrics.txt");
    private static final Pattern SAMPLE_NAME = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[ {]", Pattern.MULTILINE);

    private final Http http = new Http();
    private final HttpClient client = HttpClient.newHttpClient();
    private TestKafka kafka;
    private CounterService counter;
    private IngestServer api;
    private Process prometheus;
    private int prometheusPort;

    @TempDir
    Path temp;

    @BeforeAll
    void start() throws Exception {
        kafka = TestKafka.start();
        counter = InProcessSurge.counter(kafka.bootstrapServers(), "surge-counter-obs-it", Map.of());
        // As in compose/: rate limits on (far above this test's load), so their metrics exist.
        api = InProcessSurge.api(kafka.bootstrapServers(), "surge-ingest-acks-obs-it", List.of(counter),
                Map.of("rate.limit", "100000", "global.rate.limit", "100000"));
        for (int i = 0; i < 20; i++) {
            assertThat(http.post(api.port(), "/simulate", "{\"key\":\"obs-" + (i % 3) + "\"}").status()).isEqualTo(200);
        }
        assertThat(http.post(api.port(), "/simulate", "{bad").status()).isEqualTo(400);
    }

    @AfterAll
    void stop() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            prometheus.waitFor(10, TimeUnit.SECONDS);
        }
        api.close();
        counter.close();
        kafka.close();
    }

    private String metrics(int port) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static Set<String> names(String exposition) {
        Set<String> names = new HashSet<>();
        Matcher matcher = SAMPLE_NAME.matcher(exposition);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    private static String tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        throw new AssertionError(name + " is not installed (needed to check /metrics): apt-get install -y prometheus");
    }

    @Test
    void shouldExposeMetricsThatPromtoolAccepts() throws Exception {
        for (int port : List.of(api.port(), counter.httpPort())) {
            Path file = temp.resolve("metrics-" + port + ".txt");
            Files.writeString(file, metrics(port));
            Process check = new ProcessBuilder(tool("promtool"), "check", "metrics")
                    .redirectInput(file.toFile()).redirectErrorStream(true).start();
            String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // promtool exits 1 for lint warnings too (e.g. counters without _total from Kafka's own metrics);
            // only a parse error makes the exposition unusable.
            assertThat(output).as("promtool check metrics on port %d", port).doesNotContain("error while linting")
                    .doesNotContainIgnoringCase("parse error");
        }
    }

    @Test
    void shouldExposeEveryMetricTheDashboardAndAlertsQuery() throws Exception {
        List<String> contract = new ArrayList<>();
        for (String line : Files.readAllLines(CONTRACT)) {
            String name = line.strip();
            if (!name.isEmpty() && !name.startsWith("#")) {
                contract.add(name);
            }
        }

        assertThat(contract).isNotEmpty();
        // Streams registers task and store metrics after assignment; the binder picks them up within 10 s.
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            Set<String> exposed = new HashSet<>(names(metrics(api.port())));
            exposed.addAll(names(metrics(counter.httpPort())));
            exposed.add("up");
            assertThat(exposed).containsAll(contract);
        });
    }

    @Test
    @DisplayName("counter-streams exposes its state stores' metrics but not the uncommitted-bytes gauge, whose read "
            + "after a store closed crashed the JVM (SIGSEGV in RocksDB's WriteBatch.getDataSize)")
    void shouldLeaveOutTheGaugeThatCrashesTheJvm() throws Exception {
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            Set<String> exposed = names(metrics(counter.httpPort()));
            assertThat(exposed).as("store metrics are bound").anyMatch(name -> name.startsWith("kafka_stream_state_"));
            assertThat(exposed).noneMatch(name -> name.contains("uncommitted_bytes"));
        });
    }

    @Test
    void shouldBeScrapedByARealPrometheus() throws Exception {
        prometheusPort = Http.freePort();
        Path config = temp.resolve("prometheus.yml");
        Files.writeString(config, String.join("\n",
                "global:",
                "  scrape_interval: 1s",
                "scrape_configs:",
                "  - job_name: ingest-api",
                "    static_configs: [{targets: ['127.0.0.1:" + api.port() + "']}]",
                "  - job_name: counter-streams",
                "    static_configs: [{targets: ['127.0.0.1:" + counter.httpPort() + "']}]",
                ""));
        prometheus = new ProcessBuilder(tool("prometheus"), "--config.file=" + config,
                "--storage.tsdb.path=" + temp.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true).redirectOutput(temp.resolve("prometheus.log").toFile()).start();

        // Prometheus refuses connections until it listens.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptionsInstanceOf(ConnectException.class).untilAsserted(() -> {
            JsonNode targets = prometheusApi("/api/v1/targets").get("data").get("activeTargets");
            assertThat(targets).hasSize(2);
            assertThat(targets).allSatisfy(t -> assertThat(t.get("health").asText()).isEqualTo("up"));
        });
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode result = prometheusApi("/api/v1/query?query="
                    + URLEncoder.encode("sum(surge_events_total{outcome=\"counted\"})", StandardCharsets.UTF_8))
                    .get("data").get("result");
            assertThat(result).hasSize(1);
            assertThat(result.get(0).get("value").get(1).asDouble()).isGreaterThanOrEqualTo(20);
        });
    }

    private JsonNode prometheusApi(String pathAndQuery) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + prometheusPort + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return Http.JSON.readTree(response.body());
    }
}
