package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.counter.CounterService;
import dev.surge.ingest.IngestServer;
import dev.surge.loadgen.Integrity;
import dev.surge.loadgen.Mode;
import dev.surge.loadgen.PhaseSummary;
import dev.surge.loadgen.Profile;
import dev.surge.loadgen.Scenario;
import dev.surge.loadgen.Spike;
import dev.surge.loadgen.SpikeResult;
import dev.surge.testkit.TestKafka;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code ./surge spike}'s generator against a real pipeline (counter-streams and ingest-api on a real broker): a short
 * spike, single events and then idempotent batches, each read back key by key: PASS, every event counted exactly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpikeIT {
    private TestKafka kafka;
    private CounterService counter;
    private IngestServer api;

    @BeforeAll
    void startPipeline() throws Exception {
        kafka = TestKafka.start();
        Map<String, String> topics = Map.of("load.events.partitions", "4", "ack.partitions", "4");
        counter = InProcessSurge.counter(kafka.bootstrapServers(), "surge-counter-spike-it", topics);
        api = InProcessSurge.api(kafka.bootstrapServers(), "surge-ingest-acks-spike-it", List.of(counter), topics);
    }

    @AfterAll
    void stopPipeline() throws Exception {
        api.close();
        counter.close();
        kafka.close();
    }

    private SpikeResult spike(String profile, Mode mode, String prefix) throws InterruptedException {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Scenario scenario = new Scenario(URI.create("http://127.0.0.1:" + api.port()), Profile.parse(profile), 100,
                1.1, 17, prefix, mode, 50, "count", 1024, Duration.ofSeconds(20), 5, Duration.ofSeconds(60), true,
                Optional.empty());
        SpikeResult result = new Spike(scenario, new PrintStream(printed, true, StandardCharsets.UTF_8)).run();
        String output = printed.toString(StandardCharsets.UTF_8);
        System.out.println(output); // into the failsafe report: what the run saw, second by second
        assertThat(output).as("progress lines").contains("   5s 2/3 ");
        return result;
    }

    /**
     * PASS, and exact: every event offered was sent and ended acknowledged (then counted once: the count read back
     * equals them) or refused (503 past the stack's in-flight limit: not written, not counted); none uncertain.
     */
    private static void assertExact(SpikeResult result, long events) {
        Integrity integrity = result.integrity();
        assertThat(integrity.verdict()).as("%s", integrity).isEqualTo("PASS");
        assertThat(result.exitCode()).isZero();
        assertThat(result.offered()).isEqualTo(events);
        assertThat(result.dropped()).isZero();
        assertThat(integrity.uncertain()).isZero();
        assertThat(integrity.acknowledged() + integrity.refused()).isEqualTo(events);
        assertThat(integrity.acknowledged()).isPositive();
        assertThat(integrity.counted()).isEqualTo(integrity.acknowledged());
        assertThat(result.phases()).extracting(PhaseSummary::latencySamples).allSatisfy(n -> assertThat(n)
                .isPositive());
    }

    @Test
    void shouldCountEveryEventOfASpikeOfSingleEventsExactly() throws Exception {
        SpikeResult result = spike("50/s for 2s, 300/s for 3s, 50/s for 2s", Mode.SINGLE, "spike-it-single");

        assertExact(result, 100 + 900 + 100);
    }

    @Test
    void shouldCountEveryEventOfASpikeOfIdempotentBatchesExactly() throws Exception {
        SpikeResult result = spike("200/s for 2s, 1000/s for 3s, 200/s for 2s", Mode.BATCH_RETRY, "spike-it-batch");

        assertExact(result, 400 + 3000 + 400);
    }
}
