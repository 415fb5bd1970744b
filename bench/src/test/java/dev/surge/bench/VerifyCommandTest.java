package dev.surge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The integrity check's arithmetic, apart from the stack it reads. */
class VerifyCommandTest {
    @Test
    void totalWithinAckedAndAckedPlusUnansweredPasses() {
        assertThat(VerifyCommand.totalLine(105, 100, 110))
                .isEqualTo("PASS method=get-load counted_total=105 acked_total=100 max_total=110 extra 0");
        assertThat(VerifyCommand.totalLine(100, 100, 100)).startsWith("PASS");
    }

    @Test
    void totalBelowAckedIsLostAboveMaxIsDoubled() {
        assertThat(VerifyCommand.totalLine(97, 100, 110))
                .isEqualTo("FAILED method=get-load counted_total=97 acked_total=100 max_total=110 lost=3 extra 0");
        assertThat(VerifyCommand.totalLine(112, 100, 110)).startsWith("FAILED").contains(" doubled=2 ");
    }

    @Test
    void perKeyBoundsOfABatchSummary() {
        KeysFile.Bounds b = new KeysFile.Bounds(10, 13, 8, 9);
        assertThat(VerifyCommand.perKeyProblem(b, 10L)).isNull();
        assertThat(VerifyCommand.perKeyProblem(b, 13L)).isNull();
        assertThat(VerifyCommand.perKeyProblem(b, 9L)).isEqualTo("lost 1 (acked 10, count 9)");
        assertThat(VerifyCommand.perKeyProblem(b, 14L)).isEqualTo("doubled 1 (at most 13, count 14)");
        assertThat(VerifyCommand.perKeyProblem(b, null)).isEqualTo("count not readable");
        // a load value above the key's final count: handed out for an event the count does not hold
        assertThat(VerifyCommand.perKeyProblem(new KeysFile.Bounds(5, 9, 5, 8), 7L))
                .isEqualTo("load 8 handed out, count only 7");
    }

    @Test
    void postPerKeyCountsTheChecksOwnEvents() {
        // 10 acked, 12 sent, the check's own 2 answered events are in the count
        assertThat(VerifyCommand.postCheckProblem(10, 12, 2, 0, 12)).isNull();
        assertThat(VerifyCommand.postCheckProblem(10, 12, 2, 0, 14)).isNull();
        assertThat(VerifyCommand.postCheckProblem(10, 12, 2, 0, 11)).startsWith("lost 1 ");
        assertThat(VerifyCommand.postCheckProblem(10, 12, 2, 0, 15)).startsWith("doubled 1 ");
        // one of the check's requests went unanswered: it may have been counted
        assertThat(VerifyCommand.postCheckProblem(10, 12, 2, 1, 15)).isNull();
    }

    @Test
    void keysFileOfEachSummaryShape() {
        KeysFile wrk = KeysFile.parse(List.of("s2xx 30", "key r1-a 10 12", "key r1-b 20", "unanswered 2",
                "key r1-a 1 1"));
        assertThat(wrk.acked).containsExactly(Map.entry("r1-a", new KeysFile.Acked(11, 13)),
                Map.entry("r1-b", new KeysFile.Acked(20, 20)));
        assertThat(wrk.unanswered).isEqualTo(2);
        assertThat(wrk.ackedTotal()).isEqualTo(31);

        KeysFile batch = KeysFile.parse(List.of("key r1-b-0 10 13 8 9", "sample 503 x"));
        assertThat(batch.bounds).containsEntry("r1-b-0", new KeysFile.Bounds(10, 13, 8, 9));
    }

    @Test
    void detailListsAtMostFiveKeys() {
        Map<String, String> problems = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 7; i++) {
            problems.put("k" + i, "lost 1");
        }
        assertThat(VerifyCommand.detail(problems)).startsWith(" [k0: lost 1]").doesNotContain("k5");
    }
}
