package dev.surge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How the batch tool builds a request and reads an answer's results. */
class BatchRunTest {
    private final BatchRun run = new BatchRun(URI.create("http://127.0.0.1:18080/simulate/batch?ack=count"), 3, 1, 2,
            "p", false, 1000);

    @Test
    void requestIsAJsonArrayOfTheKeysInOrder() {
        String r = new String(run.request(new int[] {1, 0, 1}), StandardCharsets.UTF_8);
        String body = "[{\"key\":\"p-1\"},{\"key\":\"p-0\"},{\"key\":\"p-1\"}]";
        assertThat(r).startsWith("POST /simulate/batch?ack=count HTTP/1.1\r\nHost: 127.0.0.1:18080\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n").endsWith(body);
    }

    @Test
    void ndjsonRequestIsOneEventPerLine() {
        BatchRun nd = new BatchRun(URI.create("http://127.0.0.1:1/b"), 2, 1, 2, "p", true, 1000);
        String r = new String(nd.request(new int[] {0, 1}), StandardCharsets.UTF_8);
        assertThat(r).contains("Content-Type: application/x-ndjson\r\nContent-Length: 28\r\n\r\n")
                .endsWith("{\"key\":\"p-0\"}\n{\"key\":\"p-1\"}\n");
    }

    @Test
    void resultsInRequestOrderAreTalliedPerKey() {
        BatchTally t = new BatchTally(2);
        BatchWindow w = new BatchWindow();
        run.results(200, """
                {"results":[{"status":"success","load":1,"key":"p-1","id":"a"},
                            {"status":"accepted","key":"p-0","id":"b","partition":3,"offset":7},
                            {"status":"success","load":2,"key":"p-1","duplicate":false}]}""",
                new int[] {1, 0, 1}, t, w);
        assertThat(t.success).containsExactly(0, 2);
        assertThat(t.accepted).containsExactly(1, 0);
        assertThat(t.loads[1].cardinality()).isEqualTo(2);
        assertThat(t.maxLoad(1)).isEqualTo(2);
        assertThat(w.success).isEqualTo(2);
        assertThat(w.accepted).isEqualTo(1);
        assertThat(w.durable).isEqualTo(1);
        assertThat(run.malformed.get()).isZero();
        assertThat(run.keyMismatch.get()).isZero();
    }

    @Test
    void aLoadValueHandedOutTwiceIsRepeatedWithinAConnectionAndAcrossConnections() {
        BatchTally first = new BatchTally(2);
        BatchTally second = new BatchTally(2);
        first.load(0, 1);
        first.load(0, 2);
        first.load(0, 2);
        second.load(0, 3);
        second.load(0, 1);
        second.load(1, 1);

        BatchTally all = new BatchTally(2);
        all.addLoads(first);
        all.addLoads(second);

        assertThat(first.repeated).containsExactly(1, 0);
        assertThat(all.repeated).containsExactly(2, 0);
        assertThat(all.loads[0].cardinality()).isEqualTo(3);
        assertThat(all.loads[1].cardinality()).isEqualTo(1);
        assertThat(all.maxLoad(0)).isEqualTo(3);
        assertThat(all.maxLoad(1)).isEqualTo(1);
        assertThat(new BatchTally(1).maxLoad(0)).isZero();
    }

    @Test
    void duplicatesUnconfirmedAndUnknownStatuses() {
        BatchTally t = new BatchTally(2);
        BatchWindow w = new BatchWindow();
        run.results(207, """
                {"results":[{"status":"success","load":1,"key":"p-0","duplicate":true},
                            {"status":"unconfirmed","key":"p-1"},
                            {"status":"weird","key":"p-1"}]}""", new int[] {0, 1, 1}, t, w);
        assertThat(t.duplicate[0]).isEqualTo(1);
        assertThat(t.unconfirmed[1]).isEqualTo(1);
        assertThat(t.other[1]).isEqualTo(1);
        assertThat(w.unconfirmed).isEqualTo(1);
        assertThat(run.unknownStatus.get()).isEqualTo(1);
    }

    @Test
    void anAnswerWithoutOneResultPerEventLeavesEveryEventUnknown() {
        BatchTally t = new BatchTally(2);
        BatchWindow w = new BatchWindow();
        run.results(200, "{\"results\":[{\"status\":\"success\",\"load\":1,\"key\":\"p-0\"}]}", new int[] {0, 1, 1},
                t, w);
        assertThat(run.malformed.get()).isEqualTo(1);
        assertThat(t.unanswered).containsExactly(1, 2);
        assertThat(w.other).isEqualTo(3);
        run.results(200, "not json", new int[] {0, 1, 1}, t, w);
        assertThat(run.malformed.get()).isEqualTo(2);
    }

    @Test
    void aResultForAnotherKeyIsAMismatch() {
        BatchTally t = new BatchTally(2);
        run.results(200, """
                {"results":[{"status":"success","load":1,"key":"p-1"},{"status":"success","load":1,"key":"p-0"},
                            {"status":"success","load":5,"key":"p-1"}]}""", new int[] {0, 1, 1}, t, null);
        assertThat(run.keyMismatch.get()).isEqualTo(2);
        // a success without a load is counted but malformed (no load to check)
        run.results(200, """
                {"results":[{"status":"success","key":"p-0"},{"status":"success","load":2,"key":"p-1"},
                            {"status":"success","load":6,"key":"p-1"}]}""", new int[] {0, 1, 1}, t, null);
        assertThat(run.malformed.get()).isEqualTo(1);
        assertThat(t.success[0]).isEqualTo(2);
    }
}
