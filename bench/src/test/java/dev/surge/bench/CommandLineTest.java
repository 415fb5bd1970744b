package dev.surge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command lines bench/run.sh sends, as the subcommands read them. */
class CommandLineTest {
    private static <T> T parse(Class<T> type, String... args) {
        CommandLine.ParseResult r = BenchTool.commandLine().parseArgs(args);
        return type.cast(r.subcommand().commandSpec().userObject());
    }

    @Test
    void openLoopAsRunShCallsIt() {
        OpenLoopCommand c = parse(OpenLoopCommand.class, "openloop", "--url", "http://127.0.0.1:18080/simulate?ack=durable",
                "--rate", "171", "--seconds", "5", "--warmup-seconds", "3", "--connections", "256", "--keys", "100",
                "--prefix", "r1-surge-open-count", "--out", "/tmp/x.sum");
        assertThat(c.rate).isEqualTo(171.0);
        assertThat(c.seconds).isEqualTo(5.0);
        assertThat(c.warmup).isEqualTo(3.0);
        assertThat(c.connections).isEqualTo(256);
        assertThat(c.prefix).isEqualTo("r1-surge-open-count");
        assertThat(c.out).isEqualTo(Path.of("/tmp/x.sum"));
        assertThat(c.timeoutSeconds).isEqualTo(10);
    }

    @Test
    void batchDefaultsAndChecks() {
        BatchCommand c = parse(BatchCommand.class, "batch", "--url", "http://127.0.0.1:18080/simulate/batch?ack=count",
                "--out", "/tmp/b.sum");
        assertThat(c.batch).isEqualTo(500);
        assertThat(c.connections).isEqualTo(8);
        assertThat(c.format).isEqualTo("json");
        assertThat(c.timeoutSeconds).isEqualTo(30);
        assertThat(c.invalid()).isNull();
        c.format = "xml";
        assertThat(c.invalid()).contains("--format json|ndjson");
        c.format = "ndjson";
        c.batch = 0;
        assertThat(c.invalid()).isNotNull();
    }

    @Test
    void verifyTakesRepeatedLoadUrlsAndDefaultsMaxTotalToExpected() {
        VerifyCommand c = parse(VerifyCommand.class, "verify", "--api", "http://127.0.0.1:18080",
                "--load-url", "http://127.0.0.1:18081/load", "--load-url", "http://127.0.0.1:18080/load",
                "--expected-total", "41259", "--keys-file", "/tmp/k.sum", "--timeout-seconds", "300");
        assertThat(c.loadUrls).containsExactly("http://127.0.0.1:18081/load", "http://127.0.0.1:18080/load");
        assertThat(c.expected).isEqualTo(41259);
        assertThat(c.maxTotalOption).isNull();
        assertThat(c.perKeyUrl).isNull();
    }

    @Test
    void aRepeatedSingleOptionTakesTheLastValue() {
        OpenLoopCommand c = parse(OpenLoopCommand.class, "openloop", "--url", "http://h:1/", "--rate", "1",
                "--rate", "2", "--out", "o");
        assertThat(c.rate).isEqualTo(2.0);
    }

    @Test
    void unknownOptionOrMissingRequiredIsExitCode2() {
        assertThat(BenchTool.commandLine().execute("openloop", "--url", "http://h:1/", "--out", "o")).isEqualTo(2);
        assertThat(BenchTool.commandLine().execute("total", "--bogus", "x")).isEqualTo(2);
        assertThat(BenchTool.commandLine().execute("nosuch")).isEqualTo(2);
    }
}
