package dev.surge.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlReportTest {
    private static SpikeResult result(Integrity integrity) {
        List<SecondStats> seconds = List.of(
                new SecondStats(1, 200, 0, 198, 2.5, 9.75, 198, 0, 0, 0, 0, 0, 3),
                new SecondStats(2, 3000, 12, 2710, 41.5, 388.25, 2400, 10, 0, 300, 0, 0, 512));
        PhaseSummary phase = new PhaseSummary(1, "200/s for 1s", 0, 1, 200, 200, 0, 198, 200, 198, 2.5, 5, 9.75, 12,
                198, Map.of("200", 198L));
        return new SpikeResult("http://127.0.0.1:8080", "single", "200/s for 1s, 3000/s for 1s", 1000, 1.1,
                "spike-20261130-210000-ab12", 100, "count", 1024, 7, "2026-11-30T21:00:00Z", 2.1, 3200, 3188, 12,
                2908, 512, List.of(phase), seconds, integrity);
    }

    @Test
    void shouldBeOneSelfContainedFileWithTheDataAndUplotInline() {
        String html = HtmlReport.render(result(new Integrity("PASS", 1000, 2908, 0, 300, 2908, 1.5, List.of())));

        assertThat(Pattern.compile("<script[^>]*\\ssrc\\s*=", Pattern.CASE_INSENSITIVE).matcher(html).find())
                .as("no script loaded from anywhere").isFalse();
        assertThat(Pattern.compile("<link[^>]*\\shref\\s*=", Pattern.CASE_INSENSITIVE).matcher(html).find())
                .as("no stylesheet loaded from anywhere").isFalse();
        assertThat(Pattern.compile("(src|href|url)\\s*[=(]\\s*[\"']?\\s*(https?:)?//", Pattern.CASE_INSENSITIVE)
                .matcher(html).find()).as("no network reference").isFalse();
        // (contains checks one by one: a failure would otherwise print the whole page)
        for (String inline : List.of("var uPlot=function", ".uplot {font-family",
                "\"keyPrefix\":\"spike-20261130-210000-ab12\"", "\"perSecond\":[{\"t\":1,\"offered\":200",
                "\"p99Ms\":388.25", "\"verdict\":\"PASS\"", "new uPlot(")) {
            assertThat(html.contains(inline)).as("contains %s", inline).isTrue();
        }
        assertThat(html.contains("<title>Spike 200/s for 1s, 3000/s for 1s -&gt; http://127.0.0.1:8080</title>"))
                .isTrue();
    }

    @Test
    void shouldKeepTheDataInsideItsScriptElementWhateverItSays() {
        String html = HtmlReport.render(result(new Integrity("FAIL", 1000, 2908, 0, 300, 2909, 1.5,
                List.of("</script><script>alert(1)</script> <!-- key: count 3 > 2 acknowledged"))));

        assertThat(html.contains("</script><script>alert(1)")).isFalse();
        assertThat(html.contains("<!-- key")).isFalse();
        assertThat(html.contains("<\\/script><script>alert(1)<\\/script> \\u003c!-- key")).isTrue();
    }
}
