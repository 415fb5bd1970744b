package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.stack.faults.FaultRun;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Surge on the embedded three-broker cluster ({@code ./surge up --brokers 3}: every topic with 3 replicas,
 * min.insync.replicas=2), every broker, counter-streams and ingest-api its own process: the broker that leads the
 * most {@code load-events} partitions is killed with SIGKILL while 8 clients post, kept down 10 s, and started again.
 * The run ({@code ./surge faults --brokers 3 --scenario leader-kill}) then checks every request it made against the
 * topics and the counts (I1-I4, README "Guarantees"): no accepted event lost or counted twice, every key's count
 * equal to its accepted events; every answer while the broker was down 200, 202 or 503; every topic with 3
 * replicas; the restarted broker back in every ISR.
 */
class BrokerLossClusterIT {
    private static final Path HOME = Path.of(System.getProperty("surge.home", "..")).toAbsolutePath().normalize();

    @TempDir
    Path dataDir;

    @Test
    void shouldCountEveryAcceptedEventOnceWhenTheLeaderBrokerIsKilled() throws Exception {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);

        FaultRun.Report report = new FaultRun(new FaultRun.Options(HOME, dataDir.resolve("stack"),
                List.of("leader-kill"), false, 1, 50, 8, 12, 26280, 3), out).run();
        String printed = output.toString(StandardCharsets.UTF_8);
        System.out.println(printed);

        assertThat(report.scenarios()).extracting(FaultRun.ScenarioReport::name).containsExactly("leader-kill");
        assertThat(report.scenarios().get(0).violations())
                .as("the run broke a promise; it said:%n%s", printed).isEmpty();
        assertThat(printed).contains("SIGKILL broker ").contains("back in every ISR ");
    }
}
