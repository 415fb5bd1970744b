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
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The manifests in compose/k8s parse as YAML and describe what the issue asks for: both services with probes, limits
 * and non-root pods, an HPA on CPU for ingest-api, a KEDA ScaledObject on consumer lag for counter-streams capped at
 * the partition count, and PodDisruptionBudgets, all selecting pods that exist.
 */
class KubernetesManifestsTest {
    private static final Path K8S = RepoFiles.path("compose/k8s");
    private static final String KUSTOMIZATION = "kustomization.yaml";

    private static List<JsonNode> resources;

    @BeforeAll
    static void parseManifests() throws IOException {
        resources = new ArrayList<>();
        for (Path file : manifestFiles()) {
            for (JsonNode document : RepoFiles.yamlDocuments(file)) {
                assertThat(document.path("apiVersion").asText()).as("apiVersion in " + file).isNotBlank();
                assertThat(document.path("kind").asText()).as("kind in " + file).isNotBlank();
                assertThat(document.path("metadata").path("name").asText()).as("metadata.name in " + file)
                        .isNotBlank();
                resources.add(document);
            }
        }
    }

    @Test
    void shouldHoldEveryKindTheDeploymentNeeds() {
        assertThat(kindAndName()).contains(
                "Deployment/ingest-api", "Service/ingest-api", "HorizontalPodAutoscaler/ingest-api",
                "PodDisruptionBudget/ingest-api",
                "StatefulSet/counter-streams", "Service/counter-streams", "Service/counter-streams-peers",
                "ScaledObject/counter-streams", "PodDisruptionBudget/counter-streams",
                "ConfigMap/surge-config");
    }

    @Test
    void shouldNameTheKafkaVersionOfTheClientJars() {
        assertThat(resource("ConfigMap", "surge-config").path("metadata").path("annotations")
                .path("surge.dev/kafka-version").asText()).isEqualTo(RepoFiles.kafkaVersion());
    }

    @Test
    void shouldNameEachIngestApiInTheAckGroupByItsPod() {
        JsonNode container = resource("Deployment", "ingest-api").path("spec").path("template").path("spec")
                .path("containers").path(0);
        JsonNode instanceId = null;
        for (JsonNode variable : container.path("env")) {
            if (variable.path("name").asText().equals("SURGE_INSTANCE_ID")) {
                instanceId = variable;
            }
        }

        assertThat(instanceId).as("SURGE_INSTANCE_ID in the ingest-api container").isNotNull();
        assertThat(instanceId.path("valueFrom").path("fieldRef").path("fieldPath").asText())
                .as("the pod name: the same when its container restarts, unique among running pods")
                .isEqualTo("metadata.name");
    }

    @Test
    void shouldScaleIngestApiOnCpuUpToTheAckPartitions() {
        JsonNode hpa = resource("HorizontalPodAutoscaler", "ingest-api");

        assertThat(hpa.path("apiVersion").asText()).isEqualTo("autoscaling/v2");
        assertThat(hpa.path("spec").path("scaleTargetRef").path("kind").asText()).isEqualTo("Deployment");
        assertThat(hpa.path("spec").path("scaleTargetRef").path("name").asText()).isEqualTo("ingest-api");
        JsonNode metric = hpa.path("spec").path("metrics").path(0);
        assertThat(metric.path("type").asText()).isEqualTo("Resource");
        assertThat(metric.path("resource").path("name").asText()).isEqualTo("cpu");
        assertThat(metric.path("resource").path("target").path("averageUtilization").asInt()).isBetween(1, 100);
        assertThat(hpa.path("spec").path("maxReplicas").asInt())
                .as("an ingest-api beyond the load-acks partition count would own no reply partition")
                .isEqualTo(config("SURGE_ACK_PARTITIONS"));
        assertThat(hpa.path("spec").path("minReplicas").asInt()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void shouldScaleCounterStreamsOnConsumerLagUpToTheEventPartitions() {
        JsonNode scaledObject = resource("ScaledObject", "counter-streams");
        JsonNode spec = scaledObject.path("spec");

        assertThat(scaledObject.path("apiVersion").asText()).isEqualTo("keda.sh/v1alpha1");
        assertThat(spec.path("scaleTargetRef").path("kind").asText()).isEqualTo("StatefulSet");
        assertThat(spec.path("scaleTargetRef").path("name").asText()).isEqualTo("counter-streams");
        assertThat(spec.path("maxReplicaCount").asInt()).isEqualTo(12)
                .isEqualTo(config("SURGE_LOAD_EVENTS_PARTITIONS"));
        assertThat(spec.path("triggers")).hasSize(1);
        JsonNode trigger = spec.path("triggers").path(0);
        assertThat(trigger.path("type").asText()).isEqualTo("kafka");
        assertThat(trigger.path("metadata").path("consumerGroup").asText()).isEqualTo("surge-counter");
        assertThat(trigger.path("metadata").path("topic").asText()).isEqualTo("load-events");
        assertThat(trigger.path("metadata").path("lagThreshold").asText()).matches("[1-9][0-9]*");
        assertThat(kindAndName()).as("KEDA makes its own HPA: a second one would fight it")
                .doesNotContain("HorizontalPodAutoscaler/counter-streams");
    }

    @Test
    void shouldProbeLimitAndRunEveryContainerAsNonRoot() {
        for (JsonNode workload : workloads()) {
            String name = workload.path("metadata").path("name").asText();
            JsonNode pod = workload.path("spec").path("template").path("spec");
            assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).as(name + " runAsNonRoot")
                    .isTrue();
            assertThat(pod.path("securityContext").path("runAsUser").asInt()).as(name + " runAsUser").isPositive();
            assertThat(pod.path("containers")).as(name + " containers").isNotEmpty();
            for (JsonNode container : pod.path("containers")) {
                String where = name + "/" + container.path("name").asText();
                assertThat(container.path("readinessProbe").path("httpGet").path("path").asText())
                        .as(where + " readiness").isEqualTo("/health/ready");
                assertThat(container.path("livenessProbe").path("httpGet").path("path").asText())
                        .as(where + " liveness").isEqualTo("/health/live");
                assertThat(probePort(container, "readinessProbe")).as(where + " readiness port")
                        .isEqualTo(container.path("ports").path(0).path("containerPort").asInt());
                for (String bound : List.of("requests", "limits")) {
                    for (String resource : List.of("cpu", "memory")) {
                        assertThat(container.path("resources").path(bound).path(resource).asText())
                                .as(where + " resources." + bound + "." + resource).isNotBlank();
                    }
                }
                assertThat(container.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true))
                        .as(where + " allowPrivilegeEscalation").isFalse();
            }
        }
    }

    @Test
    void shouldSelectExistingPodsFromEveryServiceAndBudget() {
        List<Map<String, String>> podLabels = workloads().stream().map(workload -> labels(
                workload.path("spec").path("template").path("metadata").path("labels"))).toList();
        for (JsonNode resource : resources) {
            String kind = resource.path("kind").asText();
            Map<String, String> selector = switch (kind) {
                case "Service" -> labels(resource.path("spec").path("selector"));
                case "PodDisruptionBudget" -> labels(resource.path("spec").path("selector").path("matchLabels"));
                default -> null;
            };
            if (selector == null) {
                continue;
            }
            String what = kind + "/" + resource.path("metadata").path("name").asText();
            assertThat(selector).as(what + " selector").isNotEmpty();
            assertThat(podLabels).as(what + " selects the pods of some workload")
                    .anyMatch(labels -> labels.entrySet().containsAll(selector.entrySet()));
        }
        for (JsonNode workload : workloads()) {
            assertThat(labels(workload.path("spec").path("template").path("metadata").path("labels")).entrySet())
                    .as("pod labels of " + workload.path("metadata").path("name").asText() + " match its selector")
                    .containsAll(labels(workload.path("spec").path("selector").path("matchLabels")).entrySet());
        }
    }

    @Test
    void shouldGiveCounterStreamsPodsStablePeerAddresses() {
        JsonNode statefulSet = resource("StatefulSet", "counter-streams");
        JsonNode peers = resource("Service", statefulSet.path("spec").path("serviceName").asText());
        JsonNode container = statefulSet.path("spec").path("template").path("spec").path("containers").path(0);

        assertThat(peers.path("spec").path("clusterIP").asText()).as("headless peer Service").isEqualTo("None");
        assertThat(env(container).get("SURGE_ADVERTISED_HOST")).as("advertised host")
                .contains("$(POD_NAME)." + peers.path("metadata").path("name").asText());
        String stateDir = env(container).get("SURGE_STATE_DIR");
        assertThat(container.path("volumeMounts")).as("a volume at SURGE_STATE_DIR")
                .anyMatch(mount -> mount.path("mountPath").asText().equals(stateDir));
        assertThat(statefulSet.path("spec").path("volumeClaimTemplates")).isNotEmpty();
    }

    @Test
    void shouldRunTheRescaleAsAJobWithTheCounterStreamsImageAndSharedConfig() throws IOException {
        JsonNode job = RepoFiles.yaml(K8S.resolve("jobs/rescale.yaml"));
        assertThat(job.path("kind").asText()).isEqualTo("Job");
        JsonNode container = job.path("spec").path("template").path("spec").path("containers").get(0);
        assertThat(container.path("image").asText()).startsWith("surge/counter-streams:");
        assertThat(container.path("command").toString()).contains("dev.surge.counter.RescaleMain");
        assertThat(container.path("args").toString()).contains("--partitions");
        assertThat(container.path("envFrom").toString()).contains("surge-config");
    }

    @Test
    void shouldListEveryManifestInTheKustomization() throws IOException {
        JsonNode kustomization = RepoFiles.yaml(K8S.resolve(KUSTOMIZATION));
        Set<String> listed = new TreeSet<>();
        kustomization.path("resources").forEach(resource -> listed.add(resource.asText()));
        Set<String> files = new TreeSet<>();
        manifestFiles().forEach(file -> files.add(file.getFileName().toString()));

        assertThat(listed).isEqualTo(files);
    }

    private static List<Path> manifestFiles() throws IOException {
        try (Stream<Path> files = Files.list(K8S)) {
            List<Path> manifests = files
                    .filter(file -> file.getFileName().toString().matches(".*\\.ya?ml"))
                    .filter(file -> !file.getFileName().toString().equals(KUSTOMIZATION))
                    .sorted()
                    .toList();
            assertThat(manifests).as("manifests in " + K8S).isNotEmpty();
            return manifests;
        }
    }

    private static List<String> kindAndName() {
        return resources.stream()
                .map(resource -> resource.path("kind").asText() + "/" + resource.path("metadata").path("name").asText())
                .toList();
    }

    private static JsonNode resource(String kind, String name) {
        return resources.stream()
                .filter(resource -> resource.path("kind").asText().equals(kind))
                .filter(resource -> resource.path("metadata").path("name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " in " + K8S));
    }

    private static List<JsonNode> workloads() {
        List<JsonNode> workloads = resources.stream()
                .filter(resource -> Set.of("Deployment", "StatefulSet").contains(resource.path("kind").asText()))
                .toList();
        assertThat(workloads).hasSize(2);
        return workloads;
    }

    private static int config(String key) {
        String value = resource("ConfigMap", "surge-config").path("data").path(key).asText();
        assertThat(value).as(key + " in ConfigMap surge-config").matches("[0-9]+");
        return Integer.parseInt(value);
    }

    private static Map<String, String> labels(JsonNode node) {
        Map<String, String> labels = new TreeMap<>();
        node.fields().forEachRemaining(entry -> labels.put(entry.getKey(), entry.getValue().asText()));
        return labels;
    }

    private static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new TreeMap<>();
        container.path("env").forEach(variable -> env.put(variable.path("name").asText(),
                variable.path("value").asText()));
        return env;
    }

    /** A probe's port, resolving a named port against the container's ports. */
    private static int probePort(JsonNode container, String probe) {
        JsonNode port = container.path(probe).path("httpGet").path("port");
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode declared : container.path("ports")) {
            if (declared.path("name").asText().equals(port.asText())) {
                return declared.path("containerPort").asInt();
            }
        }
        return -1;
    }
}
