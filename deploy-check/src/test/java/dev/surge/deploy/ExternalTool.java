package dev.surge.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A command-line validator the checks run (docker-compose, promtool), and the Debian package that installs it. A
 * missing tool fails the test with the install command: a check that cannot run must not pass.
 */
record ExternalTool(String command, String debianPackage) {
    static final ExternalTool DOCKER_COMPOSE = new ExternalTool("docker-compose", "docker-compose");
    static final ExternalTool PROMTOOL = new ExternalTool("promtool", "prometheus");

    private static final long TIMEOUT_SECONDS = 60;

    /** What a run printed (stdout and stderr together) and how it exited. */
    record Result(int exitCode, String output) {
    }

    Result run(Path workingDirectory, String... arguments) {
        Path executable = find().orElseGet(() -> fail(command + " is not installed (needed to validate compose/): "
                + "apt-get install -y " + debianPackage));
        List<String> commandLine = new ArrayList<>();
        commandLine.add(executable.toString());
        commandLine.addAll(List.of(arguments));
        try {
            Path output = Files.createTempFile("deploy-check-" + command, ".out");
            try {
                Process process = new ProcessBuilder(commandLine)
                        .directory(workingDirectory.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .start();
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    fail(String.join(" ", commandLine) + " did not finish within " + TIMEOUT_SECONDS + " s");
                }
                return new Result(process.exitValue(), Files.readString(output));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            return fail("Cannot run " + String.join(" ", commandLine) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("Interrupted while running " + String.join(" ", commandLine), e);
        }
    }

    private Optional<Path> find() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String directory : path.split(File.pathSeparator)) {
            if (directory.isBlank()) {
                continue;
            }
            Path candidate = Path.of(directory, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
