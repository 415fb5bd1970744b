package dev.surge.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Whole runs against {@link StubSurge}: what is measured, what is dropped, retried and checked. */
class SpikeRunTest {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    private StubSurge stub;

    @AfterEach
    void stopStub() {
        stub.close();
    }

    private Scenario scenario(String profile, Mode mode, int maxInFlight, Optional<ApiKey> apiKey) {
        return new Scenario(stub.uri(), Profile.parse(profile), 10, 0, 1, "test", mode, 5, "count", maxInFlight,
                Duration.ofSeconds(10), 5, Duration.ofSeconds(10), true, apiKey);
    }

    private SpikeResult run(String profile, Mode mode, int maxInFlight) throws InterruptedException {
        return new Spike(scenario(profile, mode, maxInFlight, Optional.empty()), out).run();
    }

    @Test
    void shouldMeasureLatencyFromTheDueTimeSoThatQueueingBehindEarlierRequestsCounts() throws Exception {
        // one server thread, 100 ms a request, 20 arrivals due 50 ms apart: request i waits for the i before it
        stub = new StubSurge(true);
        stub.delayMillis = 100;

        SpikeResult result = run("20/s for 1s", Mode.SINGLE, 100);

        PhaseSummary phase = result.phases().get(0);
        assertThat(phase.latencySamples()).isEqualTo(20);
        // the last answer comes after ~2 s, due at 0.95 s: ~1,050 ms; from its send it would be ~100 ms
        assertThat(phase.maxMs()).isGreaterThan(900);
        assertThat(phase.p50Ms()).isGreaterThan(450);
        assertThat(phase.statuses()).isEqualTo(Map.of("200", 20L));
        assertThat(result.integrity().verdict()).isEqualTo("PASS");
    }

    @Test
    void shouldDropAndCountArrivalsDueWhileTheInFlightBoundIsReached() throws Exception {
        // every answer takes 2 s; 50 arrivals within 1 s; at most 5 out at once
        stub = new StubSurge(false);
        stub.delayMillis = 2000;

        SpikeResult result = run("50/s for 1s", Mode.SINGLE, 5);

        PhaseSummary phase = result.phases().get(0);
        assertThat(phase.offered()).isEqualTo(50);
        assertThat(phase.sent()).isEqualTo(5);
        assertThat(phase.dropped()).isEqualTo(45);
        assertThat(result.maxInFlightSeen()).isEqualTo(5);
        assertThat(stub.attempts).hasSize(5);
        assertThat(result.perSecond()).extracting(SecondStats::dropped).contains(45L);
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("dropped    45");
        assertThat(result.integrity().verdict()).isEqualTo("PASS");
    }

    @Test
    void shouldRetryWithTheSameIdempotencyKeyAfterRetryAfter() throws Exception {
        stub = new StubSurge(false);
        stub.refuseFirstAttempt = true;

        SpikeResult result = new Spike(scenario("4/s for 1s", Mode.RETRY, 100, Optional.of(ApiKey.of("s3cret"))),
                out).run();

        Map<String, List<StubSurge.Attempt>> byKey = stub.attempts.stream()
                .collect(Collectors.groupingBy(StubSurge.Attempt::idempotencyKey));
        assertThat(byKey).hasSize(4);
        byKey.forEach((idempotencyKey, attempts) -> {
            assertThat(attempts).as(idempotencyKey).hasSize(2);
            assertThat(attempts.get(1).key()).isEqualTo(attempts.get(0).key());
            assertThat(Duration.ofNanos(attempts.get(1).nanos() - attempts.get(0).nanos()))
                    .as("Retry-After: 1 honoured").isGreaterThanOrEqualTo(Duration.ofMillis(990));
        });
        assertThat(stub.attempts).extracting(StubSurge.Attempt::authorization).containsOnly("Bearer s3cret");
        assertThat(result.phases().get(0).statuses()).isEqualTo(Map.of("200", 4L, "503", 4L));
        assertThat(result.phases().get(0).p50Ms()).as("latency from due time spans the retry").isGreaterThan(990);
        assertThat(result.integrity().verdict()).isEqualTo("PASS");
        assertThat(result.integrity().acknowledged()).isEqualTo(4);
        assertThat(printed.toString(StandardCharsets.UTF_8)).doesNotContain("s3cret");
    }

    @Test
    void shouldPassTheIntegrityCheckWhenEveryAcknowledgedEventIsCountedOnce() throws Exception {
        stub = new StubSurge(false);

        SpikeResult result = run("200/s for 1s, 50/s for 1s", Mode.SINGLE, 1000);

        assertThat(result.dropped()).isZero();

        assertThat(result.integrity().verdict()).isEqualTo("PASS");
        assertThat(result.integrity().acknowledged()).isEqualTo(250);
        assertThat(result.integrity().counted()).isEqualTo(250);
        assertThat(result.exitCode()).isZero();
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("Integrity: PASS");
    }

    @Test
    void shouldFailTheIntegrityCheckWhenTheStackCountsAnEventTwice() throws Exception {
        stub = new StubSurge(false);
        stub.countTwice = 17;

        SpikeResult result = run("100/s for 1s", Mode.SINGLE, 1000);

        assertThat(result.integrity().verdict()).isEqualTo("FAIL");
        assertThat(result.integrity().discrepancies()).hasSize(1);
        assertThat(result.integrity().discrepancies().get(0)).matches("test-\\d: count \\d+ > \\d+ acknowledged \\+ 0 "
                + "uncertain events \\(counted twice\\)");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void shouldSendBatchesAndCheckEveryEventOfThem() throws Exception {
        stub = new StubSurge(false);

        SpikeResult result = run("100/s for 1s", Mode.BATCH_RETRY, 1000);

        assertThat(stub.attempts).hasSize(100);
        assertThat(stub.attempts).extracting(StubSurge.Attempt::idempotencyKey).doesNotContainNull()
                .doesNotHaveDuplicates();
        assertThat(result.phases().get(0).offered()).isEqualTo(100);
        assertThat(result.phases().get(0).statuses()).isEqualTo(Map.of("200", 100L));
        assertThat(result.phases().get(0).latencySamples()).as("one per request of 5 events").isEqualTo(20);
        assertThat(result.integrity().verdict()).isEqualTo("PASS");
        assertThat(result.integrity().counted()).isEqualTo(100);
    }
}
