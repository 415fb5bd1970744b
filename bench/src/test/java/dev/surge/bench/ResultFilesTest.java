package dev.surge.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The untyped text the load tools write, read as typed values; and the report's number formats. */
class ResultFilesTest {
    @Test
    void sumFileOfWrksLuaScript() {
        SumFile s = SumFile.parse(List.of("requests 18970", "duration_us 5001234", "s2xx 18090", "non2xx 880",
                "status_503 880", "status_429 3", "key r1-a-0 10 12", "sample 503 {\"x\":1}", "p99_us 1008400",
                "s2xx 1"));
        assertThat(s.get("s2xx")).isEqualTo(18090); // the first value of a name
        assertThat(s.get("missing")).isZero();
        assertThat(s.text("missing")).isEmpty();
        assertThat(s.statuses()).containsExactly(Map.entry(503, 880L), Map.entry(429, 3L));
        assertThat(s.rate()).isEqualTo(3617); // 18090 / 5.001234 s
        assertThat(s.has("key")).isFalse();
        assertThat(s.has("sample")).isFalse();
        assertThat(SumFile.parse(List.of("s2xx 5")).rate()).isZero(); // no duration
    }

    @Test
    void producerPerformanceLine() {
        RunResults.PerfLine p = RunResults.PerfLine.parse("1000000 records sent, 651465.3 records/sec (62.13 MB/sec), "
                + "8.12 ms avg latency, 240.00 ms max latency, 5 ms 50th, 20 ms 95th, 35 ms 99th, 120 ms 99.9th.");
        assertThat(p.recordsPerSecond()).isEqualTo("651465");
        assertThat(p.rate()).isEqualTo(651465);
        assertThat(p.p50()).isEqualTo("5");
        assertThat(p.p99()).isEqualTo("35");
        assertThat(p.p999()).isEqualTo("120");
        assertThat(RunResults.PerfLine.parse("").rate()).isZero();
    }

    @Test
    void manifestLinesAreNameValueFields() throws Exception {
        assertThatThrownBy(() -> RunResults.parse(List.of("surge\tack"), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not name=value");
        assertThatThrownBy(() -> RunResults.parse(List.of("nosuch\ta=b"), null))
                .hasMessageContaining("unknown kind");
        RunResults r = RunResults.parse(List.of("baseline-check\tsystem=Flask original\tcheck=12\tacked=10\tunanswered=3",
                "baseline-check\tsystem=X\tcheck=oops\tacked=1\tunanswered=0"), null);
        assertThat(r.baselineChecks().get(0).ok()).isTrue();
        assertThat(r.baselineChecks().get(1).ok()).isFalse();
        assertThat(r.kafka()).isEmpty();
        assertThat(r.kafkaRate()).isZero();
    }

    @Test
    void numbersRoundAsPrintfDoes() {
        assertThat(Fmt.fixed(2.5, 0)).isEqualTo("2");   // a tie: to even, as C's printf
        assertThat(Fmt.fixed(3.5, 0)).isEqualTo("4");
        assertThat(Fmt.fixed(0.125, 2)).isEqualTo("0.12");
        assertThat(Fmt.fixed(0.1251, 2)).isEqualTo("0.13");
        assertThat(Fmt.ms(630500)).isEqualTo("630.5");
        assertThat(Fmt.ratio(342, 5690)).isEqualTo("0.060");
        assertThat(Fmt.ratio(342, 986)).isEqualTo("0.35");
        assertThat(Fmt.ratio(1, 0)).isEqualTo("n/a");
    }

    @Test
    void verdictsCompareThePrintedValue() {
        assertThat(Fmt.verdict("0.80", ">=", "0.80")).isEqualTo("met");
        assertThat(Fmt.verdict("0.79", ">=", "0.80")).isEqualTo("NOT met");
        assertThat(Fmt.verdict("n/a", ">=", "0.80")).isEqualTo("NOT met");
        assertThat(Fmt.verdict("50.0", "<=", "50")).isEqualTo("met");
        assertThatThrownBy(() -> Fmt.meets("1", "==", "1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void placeholdersOfALabel() {
        assertThat(Targets.fill("{a}/s vs {b}/s", Map.of("a", "1"))).isEqualTo("1/s vs ?/s");
    }
}
