package dev.surge.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
        assertThat(c.target.seconds).isEqualTo(5.0);
        assertThat(c.target.warmup).isEqualTo(3.0);
        assertThat(c.connections).isEqualTo(256);
        assertThat(c.prefix).isEqualTo("r1-surge-open-count");
        assertThat(c.target.out).isEqualTo(Path.of("/tmp/x.sum"));
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
        assertThat(c.target.keys).isEqualTo(100);
        assertThat(c.checked()).isEqualTo(URI.create("http://127.0.0.1:18080/simulate/batch?ack=count"));
        c.format = "xml";
        assertThatThrownBy(c::checked).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--format json|ndjson");
        c.format = "ndjson";
        c.batch = 0;
        assertThatThrownBy(c::checked).isInstanceOf(CommandLine.ParameterException.class);
        c.batch = 1;
        c.target.keys = 0;
        assertThatThrownBy(c::checked).hasMessageContaining("--keys >= 1");
    }

    @Test
    void loadGoesToLoopbackOnlyAndBadSettingsAreUsageErrors(@TempDir Path dir) {
        String never = dir.resolve("never.sum").toString();
        StringWriter err = new StringWriter();
        CommandLine cli = BenchTool.commandLine().setErr(new PrintWriter(err));
        assertThat(cli.execute("openloop", "--url", "http://10.255.255.1:18080/simulate", "--rate", "1",
                "--seconds", "1", "--out", never)).isEqualTo(2);
        assertThat(cli.execute("batch", "--url", "http://192.0.2.1:18080/simulate/batch", "--seconds", "1",
                "--out", never)).isEqualTo(2);
        assertThat(cli.execute("openloop", "--url", "http://127.0.0.1:18080/simulate", "--rate", "0",
                "--out", never)).isEqualTo(2);
        assertThat(err.toString()).contains("openloop: load goes to the loopback interface only, not to "
                + "http://10.255.255.1:18080/simulate")
                .contains("batch: load goes to the loopback interface only")
                .contains("openloop: --rate > 0");
        assertThat(Path.of(never)).doesNotExist();
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
