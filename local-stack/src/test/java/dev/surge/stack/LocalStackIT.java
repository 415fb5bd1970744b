package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./surge up} as a user runs it: the launcher jar starts the broker, counter-streams and ingest-api as
 * processes; SIGTERM stops them all; a second start on the same data dir continues every count.
 */
class LocalStackIT {
    private static final Path HOME = Path.of(System.getProperty("surge.home", "..")).toAbsolutePath().normalize();
    private final Http http = new Http();
    private final int apiPort = Http.freePort();
    private final int counterPort = Http.freePort();
    private final int brokerPort = Http.freePort();
    private final int controllerPort = Http.freePort();
    private Process launcher;

    @TempDir
    Path dataDir;

    private Process up() throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsurge.home=" + HOME, "-jar", HOME.resolve("local-stack/target/local-stack.jar").toString(), "up",
                "--data-dir", dataDir.toString(), "--port", Integer.toString(apiPort),
                "--counter-port", Integer.toString(counterPort), "--broker-port", Integer.toString(brokerPort),
                "--controller-port", Integer.toString(controllerPort)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("launcher.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(250)).until(() -> {
            assertThat(process.isAlive()).as("launcher alive; its output:\n%s", launcherLog()).isTrue();
            return http.status(apiPort, "/health/ready") == 200 && Files.exists(dataDir.resolve("stack.json"));
        });
        return process;
    }

    private String launcherLog() throws Exception {
        Path log = dataDir.resolve("launcher.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @AfterEach
    void stop() throws Exception {
        if (launcher != null && launcher.isAlive()) {
            launcher.destroy();
            launcher.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldRunTheWholeStackStopItCleanlyAndKeepCountsAcrossRestarts() throws Exception {
        launcher = up();

        JsonNode stack = Http.JSON.readTree(dataDir.resolve("stack.json").toFile());
        assertThat(stack.get("processes")).extracting(p -> p.get("role").asText())
                .containsExactly("broker", "counter-streams", "ingest-api");
        assertThat(stack.get("processes")).extracting(p -> p.get("port").asInt())
                .containsExactly(brokerPort, counterPort, apiPort);
        List<Long> pids = new ArrayList<>();
        stack.get("processes").forEach(p -> pids.add(p.get("pid").asLong()));
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isPresent());
        assertThat(http.status(counterPort, "/health/ready")).isEqualTo(200);

        Http.Response first = http.post(apiPort, "/simulate", null);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().get("status").asText()).isEqualTo("success");
        assertThat(first.body().get("load").asLong()).isEqualTo(1);
        Http.Response bad = http.post(apiPort, "/simulate", "{oops");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.contentType()).startsWith("application/problem+json");

        launcher.destroy();
        assertThat(launcher.waitFor(60, TimeUnit.SECONDS)).as("launcher stops within 60 s").isTrue();
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
                .as("pid %d after stop", pid).isNotEqualTo(java.util.Optional.of(true)));
        assertThat(dataDir.resolve("stack.json")).doesNotExist();

        launcher = up();
        Http.Response again = http.post(apiPort, "/simulate", null);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body().get("load").asLong()).isEqualTo(2);
    }
}
