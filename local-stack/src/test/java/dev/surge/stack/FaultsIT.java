package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.stack.faults.FaultRun;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of {@code ./surge faults} that every build runs: on a stack of separate processes (broker, two
 * counter-streams, two ingest-api) under steady load from the recording client, a counter-streams instance is
 * SIGKILLed and restarted, a poison record of every kind is written straight to the events topic (each must land in load-events-dlq), and an ingest-api is stopped with SIGTERM and restarted; after each, once quiet, every
 * request is checked against the events topics and the counts (invariants I1-I4, README "Guarantees"). Recovery
 * times are reported, not asserted here (this build machine is shared; CounterFailoverIT owns the failover time).
 */
class FaultsIT {
    private static final Path HOME = Path.of(System.getProperty("surge.home", "..")).toAbsolutePath().normalize();

    @TempDir
    Path dataDir;

    @Test
    void noAcceptedEventIsLostOrCountedTwiceThroughAKillAndAGracefulStop() throws Exception {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);
        FaultRun.Report report = new FaultRun(new FaultRun.Options(HOME, dataDir.resolve("stack"),
                List.of("counter-kill", "poison", "api-stop"), false, 1, 50, 8, 12, 26180, 1), out).run();
        String printed = output.toString(StandardCharsets.UTF_8);
        System.out.println(printed);
        if (report.scenarios().stream().anyMatch(scenario -> !scenario.violations().isEmpty())) {
            keepForDiagnosis(dataDir.resolve("stack"));
        }

        assertThat(report.scenarios()).extracting(FaultRun.ScenarioReport::name)
                .containsExactly("counter-kill", "poison", "api-stop");
        assertThat(report.scenarios()).allSatisfy(scenario -> assertThat(scenario.violations())
                .as("%s broke a promise; the run said:%n%s", scenario.name(), printed).isEmpty());
        assertThat(printed).contains("events, attempts (200: ");
    }

    /**
     * A broken promise is rare and this test's stack lives in a temporary directory: its services' logs and every
     * recorded request are copied to {@code target/faults-it/} (kept with the build) before the directory goes.
     */
    private static void keepForDiagnosis(Path stack) throws IOException {
        Path kept = Path.of("target", "faults-it").toAbsolutePath();
        try (Stream<Path> files = Files.walk(stack)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (Files.isRegularFile(file) && (name.endsWith(".log") || name.endsWith(".csv"))) {
                    Path target = kept.resolve(stack.relativize(file).toString());
                    Files.createDirectories(target.getParent());
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        System.out.println("FaultsIT: logs and recorded requests kept in " + kept);
    }
}
