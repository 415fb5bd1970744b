package dev.surge.ingest.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.surge.common.http.Problem;
import dev.surge.common.http.ProblemException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchRequestTest {
    private static BatchRequest parse(String contentType, String body, int maxEvents) {
        return BatchRequest.parse(contentType, body.getBytes(StandardCharsets.UTF_8), maxEvents);
    }

    private static Problem refusal(String contentType, String body, int maxEvents) {
        try {
            parse(contentType, body, maxEvents);
        } catch (ProblemException e) {
            return e.problem();
        }
        throw new AssertionError("accepted: " + body);
    }

    @Test
    void shouldReadAJsonArrayInOrderWithTheDefaultKeyAndIdempotencyKeys() {
        BatchRequest batch = parse("application/json; charset=utf-8",
                "[{\"key\":\"checkout\"}, {}, {\"key\":\"a\",\"idempotencyKey\":\"r-1\"}]", 10);

        assertThat(batch.events()).containsExactly(new BatchRequest.Event("checkout", null),
                new BatchRequest.Event("default", null), new BatchRequest.Event("a", "r-1"));
    }

    @Test
    void shouldReadNdjsonLineByLineSkippingBlankLines() {
        BatchRequest batch = parse("application/x-ndjson", "{\"key\":\"a\"}\r\n\n  \n{}\n{\"key\":\"b\"}", 10);

        assertThat(batch.events()).extracting(BatchRequest.Event::key).containsExactly("a", "default", "b");
    }

    @Test
    void shouldRefuseAnEmptyBatch() {
        assertThat(refusal("application/json", "[]", 10).status()).isEqualTo(400);
        assertThat(refusal("application/json", "", 10).status()).isEqualTo(400);
        assertThat(refusal("application/x-ndjson", "\n\n", 10).status()).isEqualTo(400);
    }

    @Test
    void shouldRefuseMoreEventsThanTheLimitWith413() {
        Problem problem = refusal("application/json", "[{},{},{},{}]", 3);

        assertThat(problem.status()).isEqualTo(413);
        assertThat(problem.detail()).contains("at most 3 events");
        assertThat(parse("application/json", "[{},{},{}]", 3).events()).hasSize(3);
        assertThat(refusal("application/x-ndjson", "{}\n{}\n{}\n{}", 3).status()).isEqualTo(413);
    }

    @Test
    void shouldNameEveryBadElementByIndexAndPointer() {
        Problem problem = refusal("application/json", "[{\"key\":\"ok\"}, {\"key\":\"bad key\"}, 7, {\"colour\":1},"
                + " {\"key\":\"ok\",\"idempotencyKey\":\"\"}, {\"key\":5}]", 10);

        assertThat(problem.status()).isEqualTo(400);
        assertThat(problem.detail()).startsWith("5 of 6 events are invalid");
        assertThat(problem.errors()).extracting(Problem.Error::index).containsExactly(1, 2, 3, 4, 5);
        assertThat(problem.errors()).extracting(Problem.Error::pointer)
                .containsExactly("/1/key", "/2", "/3/colour", "/4/idempotencyKey", "/5/key");
        assertThat(problem.errors().get(0).detail()).contains("1-128 characters");
        assertThat(problem.errors().get(2).detail()).contains("unknown field 'colour'");
    }

    @Test
    void shouldNameBadNdjsonLines() {
        Problem problem = refusal("application/x-ndjson", "{\"key\":\"a\"}\n\nnot json\n{} {}\n[1]", 10);

        assertThat(problem.errors()).extracting(Problem.Error::index, Problem.Error::pointer)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "line 3"),
                        org.assertj.core.groups.Tuple.tuple(2, "line 4"),
                        org.assertj.core.groups.Tuple.tuple(3, "line 5"));
        assertThat(problem.errors().get(0).detail()).startsWith("not valid JSON");
        assertThat(problem.errors().get(1).detail()).contains("one JSON object per line");
    }

    @Test
    void shouldListAtMostAHundredErrors() {
        String body = "[" + String.join(",", java.util.Collections.nCopies(150, "{\"key\":\"no good\"}")) + "]";

        Problem problem = refusal("application/json", body, 1000);

        assertThat(problem.errors()).hasSize(100);
        assertThat(problem.detail()).contains("150 of 150").contains("the first 100 are listed");
    }

    @Test
    void shouldRefuseJsonThatIsNotAnArrayOrNotJson() {
        assertThat(refusal("application/json", "{\"key\":\"a\"}", 10).detail()).contains("JSON array");
        assertThat(refusal("application/json", "[{\"key\":\"a\"}", 10).detail()).contains("not valid JSON");
        assertThat(refusal("application/json", "[{}] []", 10).detail()).contains("more follows");
        assertThat(refusal("application/json", "[{\"key\":\"a\",\"key\":\"b\"}]", 10).detail())
                .contains("Duplicate field 'key'");
    }

    @Test
    void shouldRefuseOtherMediaTypesWith415() {
        Problem problem = refusal("text/plain", "[{}]", 10);

        assertThat(problem.status()).isEqualTo(415);
        assertThat(refusal(null, "[{}]", 10).status()).isEqualTo(415);
        assertThat(parse("application/vnd.surge+json", "[{}]", 10).events()).hasSize(1);
    }

    @Test
    void shouldKeepKeysAndIdempotencyKeysVerbatim() {
        assertThat(parse("application/json", "[{\"idempotencyKey\":\"a b/\\\"c\\\"\"}]", 1).events())
                .isEqualTo(List.of(new BatchRequest.Event("default", "a b/\"c\"")));
    }
}
