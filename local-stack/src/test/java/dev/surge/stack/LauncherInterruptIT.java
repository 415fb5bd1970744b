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
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./surge up}'s launcher, its own process, interrupted during start-up: once the broker runs and
 * counter-streams has been started but is not ready yet. Neither a SIGTERM nor a SIGKILL may leave a process of the
 * stack running that {@code ./surge down} cannot stop.
 *
 * <p>Ctrl-C's SIGINT runs the same JVM shutdown hooks as SIGTERM. It is not sent here: a JVM whose parent ignored
 * SIGINT (a build started in the background of a non-interactive shell, say) inherits that and ignores it too.
 */
class LauncherInterruptIT {
    private static final Path HOME = Path.of(System.getProperty("surge.home", "..")).toAbsolutePath().normalize();
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    @TempDir
    Path dataDir;
    private Process launcher;
    private final List<ProcessHandle> children = new ArrayList<>();

    private List<String> surge(String... args) {
        List<String> command = new ArrayList<>(List.of(JAVA.toString(), "-Dsurge.home=" + HOME, "-jar",
                HOME.resolve("local-stack/target/local-stack.jar").toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** Starts {@code ./surge up} and returns once stack.json lists a counter-streams process (not ready yet). */
    private Process upUntilCounterStreamsIsStarting() throws Exception {
        Process process = new ProcessBuilder(surge("up", "--data-dir", dataDir.toString(),
                "--port", Integer.toString(Http.freePort()), "--counter-port", Integer.toString(Http.freePort()),
                "--broker-port", Integer.toString(Http.freePort()),
                "--controller-port", Integer.toString(Http.freePort())))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("launcher.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50)).until(() -> {
            assertThat(process.isAlive()).as("launcher alive; its output:\n%s", launcherLog()).isTrue();
            return listedRoles().contains("counter-streams");
        });
        children.addAll(process.descendants().toList());
        return process;
    }

    private List<String> listedRoles() throws Exception {
        Path stackJson = dataDir.resolve("stack.json");
        List<String> roles = new ArrayList<>();
        if (Files.exists(stackJson)) {
            JsonNode stack = Http.JSON.readTree(stackJson.toFile());
            stack.get("processes").forEach(p -> roles.add(p.get("role").asText()));
        }
        return roles;
    }

    private String launcherLog() throws Exception {
        Path log = dataDir.resolve("launcher.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private List<Long> aliveChildren() {
        return children.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList();
    }

    @AfterEach
    void stopWhatIsLeft() throws Exception {
        if (launcher != null && launcher.isAlive()) {
            launcher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (Files.exists(dataDir.resolve("stack.json"))) {
            new ProcessBuilder(surge("down", "--data-dir", dataDir.toString())).inheritIO().start()
                    .waitFor(150, TimeUnit.SECONDS);
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    @DisplayName("SIGTERM (what Ctrl-C's SIGINT does too) on the launcher during start-up stops every process it "
            + "started so far")
    void shouldStopEveryChildWhenTheLauncherIsInterruptedDuringStartUp() throws Exception {
        launcher = upUntilCounterStreamsIsStarting();
        assertThat(children).as("the broker and counter-streams").hasSizeGreaterThanOrEqualTo(2);

        launcher.destroy();

        assertThat(launcher.waitFor(90, TimeUnit.SECONDS)).as("the launcher exits; its output:\n%s", launcherLog())
                .isTrue();
        assertThat(aliveChildren()).as("children alive after the launcher exited; its output:\n%s", launcherLog())
                .isEmpty();
        assertThat(dataDir.resolve("stack.json")).as("nothing left to stop").doesNotExist();
    }

    @Test
    @DisplayName("A launcher SIGKILLed during start-up leaves its children listed: ./surge down stops every one")
    void shouldLetDownStopEveryChildAfterTheLauncherIsKilledDuringStartUp() throws Exception {
        launcher = upUntilCounterStreamsIsStarting();
        assertThat(children).as("the broker and counter-streams").hasSizeGreaterThanOrEqualTo(2);

        launcher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertThat(aliveChildren()).as("orphans, until down").hasSameSizeAs(children);
        Path downLog = dataDir.resolve("down.log");
        Process down = new ProcessBuilder(surge("down", "--data-dir", dataDir.toString())).redirectErrorStream(true)
                .redirectOutput(downLog.toFile()).start();

        assertThat(down.waitFor(150, TimeUnit.SECONDS)).as("down finishes").isTrue();
        assertThat(down.exitValue()).as(Files.readString(downLog)).isZero();
        assertThat(aliveChildren()).as("children alive after down; its output:\n%s", Files.readString(downLog))
                .isEmpty();
        assertThat(dataDir.resolve("stack.json")).doesNotExist();
    }
}
