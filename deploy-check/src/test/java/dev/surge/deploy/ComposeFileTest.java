package dev.surge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-compose accepts compose/docker-compose.yml, and the stack it describes hangs together: nginx balances over
 * every ingest-api, Prometheus scrapes every Surge instance, each counter-streams has its own identity and state,
 * nothing starts before what it needs is healthy, and nothing listens beyond loopback.
 */
class ComposeFileTest {
    private static final String COMPOSE_FILE = "compose/docker-compose.yml";
    private static final String LOCAL_OVERRIDE = "compose/local/docker-compose.local.yml";
    private static final Set<String> SURGE_SERVICES = Set.of("ingest-api-1", "ingest-api-2", "counter-streams-1",
            "counter-streams-2");

    /** The file as docker-compose resolves it: anchors and merge keys expanded, relative paths made absolute. */
    private static JsonNode services;

    @BeforeAll
    static void resolveComposeFile() {
        ExternalTool.Result result = ExternalTool.DOCKER_COMPOSE.run(RepoFiles.root(), "-f", COMPOSE_FILE, "config");
        assertThat(result.exitCode()).as("docker-compose -f %s config:%n%s", COMPOSE_FILE, result.output()).isZero();
        // Warnings (on stderr, merged into the output) come first; the resolved file starts at its top-level key.
        Matcher start = Pattern.compile("(?m)^services:").matcher(result.output());
        assertThat(start.find()).as("resolved compose file:%n%s", result.output()).isTrue();
        services = RepoFiles.yaml(result.output().substring(start.start())).path("services");
    }

    @Test
    void shouldBeAcceptedByDockerCompose() {
        ExternalTool.Result result = ExternalTool.DOCKER_COMPOSE.run(RepoFiles.root(), "-f", COMPOSE_FILE, "config",
                "-q");

        assertThat(result.exitCode()).as("docker-compose -f %s config -q:%n%s", COMPOSE_FILE, result.output())
                .isZero();
    }

    @Test
    void shouldRejectAComposeFileWithAnUnknownDependencyCondition(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("docker-compose.yml"), """
                services:
                  web:
                    image: nginx:1.27-alpine
                    depends_on:
                      db:
                        condition: service_started_eventually
                  db:
                    image: postgres:16
                """);

        ExternalTool.Result result = ExternalTool.DOCKER_COMPOSE.run(dir, "config", "-q");

        assertThat(result.exitCode()).as("docker-compose must reject a broken file:%n%s", result.output()).isNotZero();
    }

    @Test
    void shouldRunTheRescaleWithCounterStreamsImageAndSettings() {
        JsonNode rescale = services.path("rescale");
        assertThat(rescale.path("image").asText()).isEqualTo(services.path("counter-streams-1").path("image").asText());
        assertThat(rescale.path("entrypoint").toString()).contains("dev.surge.counter.RescaleMain");
        assertThat(rescale.path("environment").path("SURGE_KAFKA_BOOTSTRAP_SERVERS").asText())
                .isEqualTo(services.path("counter-streams-1").path("environment").path("SURGE_KAFKA_BOOTSTRAP_SERVERS")
                        .asText());
    }

    @Test
    void shouldRunTheWholeStack() {
        assertThat(names(services)).containsExactlyInAnyOrder("kafka", "topic-init", "ingest-api-1", "ingest-api-2",
                "counter-streams-1", "counter-streams-2", "nginx", "prometheus", "grafana", "rescale");
        assertThat(services.path("rescale").path("profiles").toString())
                .as("the rescale runs on demand, not with up").contains("tools");
        assertThat(services.path("kafka").path("image").asText()).startsWith("apache/kafka:4.");
        assertThat(services.path("topic-init").path("image").asText())
                .isEqualTo(services.path("kafka").path("image").asText());
    }

    @Test
    void shouldRunTheKafkaVersionOfTheClientJars() {
        String version = RepoFiles.kafkaVersion();

        assertThat(services.path("kafka").path("image").asText()).isEqualTo("apache/kafka:" + version);
        assertThat(RepoFiles.text(RepoFiles.path("compose/local/kafka/pom.xml")))
                .as("the local Kafka image's jars").contains("<kafka.version>" + version + "</kafka.version>");
        assertThat(RepoFiles.yaml(RepoFiles.path(LOCAL_OVERRIDE)).path("services").path("kafka").path("image")
                .asText()).isEqualTo("surge/local-kafka:" + version);
    }

    /** compose/smoke.sh runs the real file with this override: it may swap image names and nothing else. */
    @Test
    void shouldOnlySwapImageNamesInTheLocalOverride() {
        JsonNode override = RepoFiles.yaml(RepoFiles.path(LOCAL_OVERRIDE));

        assertThat(names(override)).containsExactly("services");
        assertThat(names(override.path("services"))).isNotEmpty();
        override.path("services").fields().forEachRemaining(service -> {
            assertThat(services.has(service.getKey())).as("%s is a service of %s", service.getKey(), COMPOSE_FILE)
                    .isTrue();
            assertThat(names(service.getValue())).as("keys of %s in %s", service.getKey(), LOCAL_OVERRIDE)
                    .containsExactly("image");
        });
        ExternalTool.Result result = ExternalTool.DOCKER_COMPOSE.run(RepoFiles.root(), "-f", COMPOSE_FILE, "-f",
                LOCAL_OVERRIDE, "config", "-q");
        assertThat(result.exitCode()).as("docker-compose config with the override:%n%s", result.output()).isZero();
    }

    @Test
    void shouldPublishPortsOnLoopbackOnly() {
        List<String> published = new ArrayList<>();
        services.fields().forEachRemaining(service -> {
            for (JsonNode port : service.getValue().path("ports")) {
                String hostIp = port.isObject() ? port.path("host_ip").asText() : port.asText().split(":")[0];
                published.add(service.getKey() + " " + port);
                assertThat(hostIp).as("host address of %s port %s", service.getKey(), port).isEqualTo("127.0.0.1");
            }
        });
        assertThat(published).as("published ports").isNotEmpty();
        assertThat(hostPortOf("nginx", 80)).isEqualTo("8080");
    }

    @Test
    void shouldCreateTheTopicsWithThePartitionCountsTheServicesUse() {
        String partitions = env("topic-init").get("PARTITIONS");
        assertThat(services.path("topic-init").path("command").toString())
                .contains("load-events", "load-acks", "--if-not-exists", "kafka-topics.sh");
        for (String service : SURGE_SERVICES) {
            assertThat(env(service)).as("environment of " + service)
                    .containsEntry("SURGE_LOAD_EVENTS_PARTITIONS", partitions)
                    .containsEntry("SURGE_ACK_PARTITIONS", partitions)
                    .containsEntry("SURGE_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
                    .containsEntry("SURGE_HTTP_HOST", "0.0.0.0");
            assertThat(condition(service, "topic-init")).as(service + " waits for topic-init")
                    .isEqualTo("service_completed_successfully");
            assertThat(condition(service, "kafka")).as(service + " waits for Kafka").isEqualTo("service_healthy");
        }
    }

    @Test
    void shouldGiveEachCounterStreamsInstanceItsOwnAddressAndState() {
        Set<String> stateVolumes = new TreeSet<>();
        for (String service : List.of("counter-streams-1", "counter-streams-2")) {
            Map<String, String> env = env(service);
            assertThat(env.get("SURGE_ADVERTISED_HOST")).as("advertised host of " + service).isEqualTo(service);
            String stateDir = env.get("SURGE_STATE_DIR");
            assertThat(stateDir).as("SURGE_STATE_DIR of " + service).isNotBlank();
            Map<String, String> mounts = mounts(service);
            assertThat(mounts).as("volumes of " + service).containsValue(stateDir);
            mounts.forEach((source, target) -> {
                if (target.equals(stateDir)) {
                    stateVolumes.add(source);
                }
            });
        }
        assertThat(stateVolumes).as("state volumes").hasSize(2);
    }

    @Test
    void shouldWaitOnlyForDependenciesThatCanReport() {
        services.fields().forEachRemaining(service -> service.getValue().path("depends_on").fields()
                .forEachRemaining(dependency -> {
                    String condition = dependency.getValue().path("condition").asText();
                    assertThat(condition).as("%s depends on %s", service.getKey(), dependency.getKey())
                            .isIn("service_healthy", "service_completed_successfully");
                    if (condition.equals("service_healthy")) {
                        assertThat(hasHealthcheck(dependency.getKey()))
                                .as("%s waits for %s to be healthy, which needs a healthcheck", service.getKey(),
                                        dependency.getKey())
                                .isTrue();
                    }
                }));
        assertThat(condition("nginx", "ingest-api-1")).isEqualTo("service_healthy");
        assertThat(condition("nginx", "ingest-api-2")).isEqualTo("service_healthy");
    }

    @Test
    void shouldGiveEachIngestApiItsOwnInstanceIdThatSurvivesARestart() {
        Set<String> ids = new TreeSet<>();
        for (String service : List.of("ingest-api-1", "ingest-api-2")) {
            String id = env(service).get("SURGE_INSTANCE_ID");
            assertThat(id).as("SURGE_INSTANCE_ID of " + service + ": a fixed value, the same after a restart")
                    .matches("[A-Za-z0-9._-]+");
            ids.add(id);
        }
        assertThat(ids).as("one instance id per ingest-api").hasSize(2);
    }

    @Test
    void shouldBalanceNginxOverEveryIngestApi() {
        String conf = RepoFiles.text(RepoFiles.path("compose/nginx/nginx.conf"));
        Matcher upstream = Pattern.compile("upstream\\s+(\\w+)\\s*\\{([^}]*)}").matcher(conf);
        assertThat(upstream.find()).as("an upstream block in nginx.conf").isTrue();
        assertThat(conf).contains("proxy_pass http://" + upstream.group(1) + ";");
        Set<String> servers = new TreeSet<>();
        Matcher server = Pattern.compile("(?m)^\\s*server\\s+([^\\s;]+)").matcher(upstream.group(2));
        while (server.find()) {
            servers.add(server.group(1));
        }

        assertThat(servers).containsExactlyInAnyOrderElementsOf(instances("ingest-api"));
        assertThat(mounts("nginx")).containsValue("/etc/nginx/nginx.conf");
    }

    @Test
    void shouldShedAtNginxWithRetryAfterRatherThanQueueUntilATimeout() {
        String conf = RepoFiles.text(RepoFiles.path("compose/nginx/nginx.conf"));
        Matcher upstream = Pattern.compile("upstream\\s+(\\w+)\\s*\\{([^}]*)}").matcher(conf);
        assertThat(upstream.find()).as("an upstream block in nginx.conf").isTrue();
        Matcher server = Pattern.compile("(?m)^\\s*server\\s+[^;]*;").matcher(upstream.group(2));
        int servers = 0;
        while (server.find()) {
            servers++;
            assertThat(server.group()).as("every upstream server is bounded").containsPattern("max_conns=\\d+");
        }
        assertThat(servers).isPositive();
        assertThat(conf).containsPattern("limit_conn_zone \\$binary_remote_addr zone=(\\w+)")
                .containsPattern("(?m)^\\s*limit_conn \\w+ \\d+;")
                .contains("limit_conn_status 429;")
                .contains("error_page 502 = @overloaded;")
                .contains("error_page 429 = @too_many;")
                .containsPattern("(?m)^\\s*keepalive_requests \\d{4,};");
        for (String[] refusal : new String[][] {{"@overloaded", "503"}, {"@too_many", "429"}}) {
            Matcher location = Pattern.compile("location " + refusal[0] + " \\{([^}]*)}").matcher(conf);
            assertThat(location.find()).as("location " + refusal[0]).isTrue();
            assertThat(location.group(1)).contains("add_header Retry-After 1 always;")
                    .contains("default_type application/problem+json;")
                    .contains("return " + refusal[1] + " '{\"type\":\"urn:surge:problem:");
        }
    }

    @Test
    void shouldScrapeEverySurgeInstanceFromPrometheus() {
        JsonNode config = RepoFiles.yaml(RepoFiles.path("compose/prometheus/prometheus.yml"));
        Map<String, Set<String>> targetsByJob = new TreeMap<>();
        for (JsonNode job : config.path("scrape_configs")) {
            assertThat(job.path("metrics_path").asText("/metrics")).isEqualTo("/metrics");
            Set<String> targets = targetsByJob.computeIfAbsent(job.path("job_name").asText(), name -> new TreeSet<>());
            for (JsonNode staticConfig : job.path("static_configs")) {
                staticConfig.path("targets").forEach(target -> targets.add(target.asText()));
            }
        }

        assertThat(targetsByJob).containsOnlyKeys("ingest-api", "counter-streams");
        assertThat(targetsByJob.get("ingest-api")).containsExactlyInAnyOrderElementsOf(instances("ingest-api"));
        assertThat(targetsByJob.get("counter-streams"))
                .containsExactlyInAnyOrderElementsOf(instances("counter-streams"));
        assertThat(mounts("prometheus")).containsValue("/etc/prometheus");
    }

    @Test
    void shouldProvisionGrafanaFromTheRepository() {
        JsonNode providers = RepoFiles.yaml(RepoFiles.path("compose/grafana/provisioning/dashboards/surge.yml"));
        String dashboardPath = providers.path("providers").path(0).path("options").path("path").asText();
        Map<String, String> mounts = mounts("grafana");

        assertThat(mounts).containsValue("/etc/grafana/provisioning");
        assertThat(mounts).containsValue(dashboardPath);
        mounts.forEach((source, target) -> {
            if (target.equals(dashboardPath)) {
                assertThat(Path.of(source).resolve("surge.json")).as("dashboard mounted at " + target).exists();
            }
        });
    }

    @Test
    void shouldTurnApiKeysOnWithAMountedKeysFile() {
        Set<String> services = instances("ingest-api");
        assertThat(services).isNotEmpty();
        for (String instance : services) {
            String service = instance.substring(0, instance.indexOf(':'));
            String keysFile = env(service).get("SURGE_API_KEYS_FILE");
            assertThat(keysFile).as("SURGE_API_KEYS_FILE of " + service).isNotBlank();
            String source = mounts(service).entrySet().stream().filter(mount -> mount.getValue().equals(keysFile))
                    .map(Map.Entry::getKey).findFirst().orElseThrow(() -> new AssertionError(
                            service + " does not mount " + keysFile));
            List<String> lines = RepoFiles.text(Path.of(source)).lines().filter(line -> !line.isBlank()).toList();
            assertThat(lines).as("keys in " + source).isNotEmpty()
                    .allMatch(line -> line.matches("[A-Za-z0-9._-]+:[0-9a-f]{64}"), "name:sha256hex");
        }
    }

    /** host:port of every instance of a Surge service, as its peers and Prometheus reach it. */
    private static Set<String> instances(String prefix) {
        Set<String> instances = new TreeSet<>();
        for (String service : names(services)) {
            if (service.matches(Pattern.quote(prefix) + "-\\d+")) {
                instances.add(service + ":" + env(service).get("SURGE_HTTP_PORT"));
            }
        }
        return instances;
    }

    private static Set<String> names(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Map<String, String> env(String service) {
        JsonNode environment = services.path(service).path("environment");
        Map<String, String> env = new TreeMap<>();
        if (environment.isArray()) {
            environment.forEach(entry -> {
                String[] parts = entry.asText().split("=", 2);
                env.put(parts[0], parts.length > 1 ? parts[1] : "");
            });
        } else {
            environment.fields().forEachRemaining(entry -> env.put(entry.getKey(), entry.getValue().asText()));
        }
        return env;
    }

    /** Volume source (named volume or absolute host path) to mount target. */
    private static Map<String, String> mounts(String service) {
        Map<String, String> mounts = new TreeMap<>();
        for (JsonNode volume : services.path(service).path("volumes")) {
            if (volume.isObject()) {
                mounts.put(volume.path("source").asText(), volume.path("target").asText());
            } else {
                String[] parts = volume.asText().split(":");
                mounts.put(parts[0], parts[1]);
            }
        }
        return mounts;
    }

    private static String condition(String service, String dependency) {
        return services.path(service).path("depends_on").path(dependency).path("condition").asText();
    }

    private static String hostPortOf(String service, int containerPort) {
        for (JsonNode port : services.path(service).path("ports")) {
            if (port.isObject() && port.path("target").asInt() == containerPort) {
                return port.path("published").asText();
            }
            String[] parts = port.asText().replaceFirst("/tcp$", "").split(":");
            if (parts.length == 3 && parts[2].equals(String.valueOf(containerPort))) {
                return parts[1];
            }
        }
        return "";
    }

    /** A healthcheck in the compose file, or a HEALTHCHECK in the Dockerfile the service is built from. */
    private static boolean hasHealthcheck(String service) {
        JsonNode definition = services.path(service);
        if (definition.has("healthcheck")) {
            return !definition.path("healthcheck").path("disable").asBoolean(false);
        }
        JsonNode build = definition.path("build");
        if (build.isMissingNode()) {
            return false;
        }
        Path dockerfile = Path.of(build.path("context").asText()).resolve(build.path("dockerfile").asText("Dockerfile"));
        return Files.isRegularFile(dockerfile)
                && RepoFiles.text(dockerfile).lines().anyMatch(line -> line.trim().startsWith("HEALTHCHECK"));
    }
}
