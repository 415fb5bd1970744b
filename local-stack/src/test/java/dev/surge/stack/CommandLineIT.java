package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./surge} command line as a user runs it, on a running stack: {@code up}, then {@code start} a second
 * counter-streams, {@code status --json} shows the partitions split between the two, {@code stop} removes one, and
 * {@code down} stops everything, the launcher included.
 */
class CommandLineIT {
    private static final Path HOME = Path.of(System.getProperty("surge.home", "..")).toAbsolutePath().normalize();
    private final Http http = new Http();
    private final int apiPort = Http.freePort();
    private final int counterPort = Http.freePort();
    private final int brokerPort = Http.freePort();
    private final int controllerPort = Http.freePort();
    private Process launcher;

    @TempDir
    Path dataDir;

    record Run(int exitCode, String output) {
    }

    /** {@code ./surge ARGS} without the shell's build step: the same jar and system property. */
    private Run surge(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsurge.home=" + HOME, "-jar", HOME.resolve("local-stack/target/local-stack.jar").toString()));
        command.addAll(List.of(args));
        Path output = Files.createTempFile(dataDir, "surge", ".out");
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove(ServiceJdk.ENV); // an added instance runs on the stack's JDK without it
        Process process = builder.redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        if (!process.waitFor(150, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("surge " + String.join(" ", args) + " still running after 150 s:\n"
                    + Files.readString(output));
        }
        return new Run(process.exitValue(), Files.readString(output));
    }

    private Process up() throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsurge.home=" + HOME, "-jar", HOME.resolve("local-stack/target/local-stack.jar").toString(),
                "up", "--data-dir", dataDir.toString(), "--port", Integer.toString(apiPort),
                "--counter-port", Integer.toString(counterPort), "--broker-port", Integer.toString(brokerPort),
                "--controller-port", Integer.toString(controllerPort)));
        ProcessBuilder builder = new ProcessBuilder(command);
        // the stack runs on this test's JDK, which need not be the newest installed: start must keep to it
        builder.environment().put(ServiceJdk.ENV, System.getProperty("java.home"));
        Process process = builder.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("launcher.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(250)).until(() -> {
            assertThat(process.isAlive()).as("launcher alive; its output:\n%s", launcherLog()).isTrue();
            return http.status(apiPort, "/health/ready") == 200;
        });
        return process;
    }

    private String launcherLog() throws Exception {
        Path log = dataDir.resolve("launcher.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private JsonNode status() throws Exception {
        Run run = surge("status", "--data-dir", dataDir.toString(), "--json");
        assertThat(run.exitCode()).as(run.output()).isZero();
        return Http.JSON.readTree(run.output());
    }

    private static List<JsonNode> counters(JsonNode status) {
        List<JsonNode> counters = new ArrayList<>();
        status.get("processes").forEach(p -> {
            if (p.get("role").asText().equals("counter-streams")) {
                counters.add(p);
            }
        });
        return counters;
    }

    private static JsonNode group(JsonNode status, String groupId) {
        for (JsonNode group : status.get("groups")) {
            if (group.get("groupId").asText().equals(groupId)) {
                return group;
            }
        }
        throw new AssertionError("no group " + groupId + " in " + status);
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asInt()));
        return values;
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @AfterEach
    void stop() throws Exception {
        if (Files.exists(dataDir.resolve("stack.json"))) {
            surge("down", "--data-dir", dataDir.toString());
        }
        if (launcher != null && launcher.isAlive()) {
            launcher.destroy();
            launcher.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldAddACounterStreamsInstanceOnTheStacksJdkRemoveItAndStopEverythingWithDown() throws Exception {
        launcher = up();

        Run started = surge("start", "counter-streams", "--data-dir", dataDir.toString());
        assertThat(started.exitCode()).as(started.output()).isZero();
        assertThat(started.output()).containsPattern("counter-streams pid \\d+ port \\d+ ready");

        Set<Integer> all = new HashSet<>(IntStream.range(0, 12).boxed().toList());
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode status = status();
            assertThat(counters(status)).hasSize(2)
                    .allSatisfy(counter -> assertThat(counter.get("ready").asBoolean()).isTrue());
            JsonNode members = group(status, "surge-counter").get("members");
            assertThat(members).hasSize(2);
            List<Integer> first = ints(members.get(0).get("assignment").path("load-events"));
            List<Integer> second = ints(members.get(1).get("assignment").path("load-events"));
            assertThat(first).isNotEmpty().doesNotContainAnyElementsOf(second);
            assertThat(second).isNotEmpty();
            Set<Integer> both = new HashSet<>(first);
            both.addAll(second);
            assertThat(both).isEqualTo(all);
        });
        JsonNode status = status();
        assertThat(status.get("topics")).extracting(t -> t.get("name").asText() + ":" + t.get("partitions").asInt())
                .containsExactly("load-events:12", "load-acks:12");
        assertThat(status.get("kafka").get("bootstrap").asText()).isEqualTo("127.0.0.1:" + brokerPort);
        List<Long> pids = new ArrayList<>();
        status.get("processes").forEach(p -> pids.add(p.get("pid").asLong()));
        assertThat(pids).hasSize(4);
        long added = counters(status).get(1).get("pid").asLong();
        Path stackJava = Path.of(System.getProperty("java.home"), "bin", "java").toRealPath();
        assertThat(Http.JSON.readTree(dataDir.resolve("stack.json").toFile()).get("java").asText())
                .isEqualTo(System.getProperty("java.home"));
        assertThat(ProcessHandle.of(added).flatMap(handle -> handle.info().command()).map(Path::of))
                .as("the added instance runs on the stack's JDK").hasValue(stackJava);
        Http.Response counted = http.post(apiPort, "/simulate", null);
        assertThat(counted.status()).isEqualTo(200);

        Run stopped = surge("stop", "counter-streams", "--data-dir", dataDir.toString());
        assertThat(stopped.exitCode()).as(stopped.output()).isZero();
        assertThat(stopped.output()).contains("counter-streams pid " + added + " stopped");
        assertThat(alive(added)).isFalse();
        JsonNode afterStop = Http.JSON.readTree(dataDir.resolve("stack.json").toFile());
        assertThat(afterStop.get("processes")).extracting(p -> p.get("role").asText())
                .containsExactly("broker", "counter-streams", "ingest-api");
        assertThat(launcher.isAlive()).as("the launcher keeps running after a stop").isTrue();

        Run down = surge("down", "--data-dir", dataDir.toString());
        assertThat(down.exitCode()).as(down.output()).isZero();
        assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).as("the launcher exits with down").isTrue();
        assertThat(pids).allSatisfy(pid -> assertThat(alive(pid)).as("pid %d after down", pid).isFalse());
        assertThat(dataDir.resolve("stack.json")).doesNotExist();
        assertThat(launcherLog()).as("no child reported as crashed").doesNotContain("exited with");
    }
}
