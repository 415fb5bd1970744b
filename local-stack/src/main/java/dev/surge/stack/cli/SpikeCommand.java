package dev.surge.stack.cli;

import dev.surge.loadgen.ApiKey;
import dev.surge.loadgen.ProfileException;
import dev.surge.loadgen.Scenario;
import dev.surge.loadgen.ScenarioSettings;
import dev.surge.loadgen.Spike;
import dev.surge.loadgen.SpikeResult;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./surge spike}: an open-model load generator that shows how a spike hits a running stack, with an
 * integrity check at the end (the {@code loadgen} module does the work; this maps options onto it).
 */
@Command(name = "spike", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 120,
        description = {"Send a load profile to ingest-api at set arrival rates (an open model: latency from each "
                + "request's due time), print one line a second, then a summary per phase; read every key of the run "
                + "back and check that each acknowledged event was counted exactly once. Exit 0 on PASS, 1 on FAIL, "
                + "2 for a bad profile or option.",
                "",
                "Profile grammar (phases separated by commas; RATE like 500/s, DURATION like 250ms, 20s, 2m):",
                "  RATE for DURATION                               hold (a step when the rate changes)",
                "  ramp RATE to RATE over DURATION                 linear ramp",
                "  square RATE/RATE period DURATION for DURATION   square wave, first rate for half a period",
                "Rates are events per second in every mode. At most 30 min and 10,000,000 events per run."},
        footer = {"", "Examples:",
                "  ./surge spike --profile \"200/s for 5s, 3000/s for 10s, 200/s for 5s\" --report /tmp/spike.html",
                "  ./surge spike --profile \"ramp 100/s to 5000/s over 30s\" --keys 1000 --zipf 1.1",
                "  ./surge spike --profile \"square 200/s/2000/s period 10s for 60s\" --mode retry --json /tmp/r.json",
                "  ./surge spike --profile \"20000/s for 20s\" --mode batch --batch-size 100",
                "  ./surge spike --scenario bench/spike.json --api-key-file ~/.surge-key"})
final class SpikeCommand implements Callable<Integer> {
    private final PrintStream out;
    private final Map<String, String> environment;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;
    @Option(names = "--target", paramLabel = "URL",
            description = "ingest-api's base URL (default: " + ScenarioSettings.DEFAULT_TARGET + ")")
    private String target;
    @Option(names = "--profile", paramLabel = "SPEC", description = "the load profile (grammar above)")
    private String profile;
    @Option(names = "--scenario", paramLabel = "FILE",
            description = "a JSON scenario: profile, keys, zipf, mode, batchSize, ack, maxInFlight, timeout, "
                    + "maxAttempts, settle, seed (README \"./surge spike\"); options given here win")
    private Path scenario;
    @Option(names = "--keys", paramLabel = "N", description = "keys the events are spread over (default: 1000)")
    private Integer keys;
    @Option(names = "--zipf", paramLabel = "S",
            description = "Zipf exponent of the key choice, e.g. 1.1 (default: 0, uniform)")
    private Double zipf;
    @Option(names = "--mode", paramLabel = "MODE",
            description = "single (POST /simulate), batch (POST /simulate/batch), retry (single with an "
                    + "Idempotency-Key, 429/503/504/timeouts sent again after Retry-After), batch-retry "
                    + "(default: single)")
    private String mode;
    @Option(names = "--batch-size", paramLabel = "N", description = "events per batch request (default: 100)")
    private Integer batchSize;
    @Option(names = "--ack", paramLabel = "count|durable", description = "ack mode asked for (default: count)")
    private String ack;
    @Option(names = "--max-in-flight", paramLabel = "N",
            description = "requests out at once, at most; an arrival due beyond it is dropped and counted "
                    + "(default: 1024)")
    private Integer maxInFlight;
    @Option(names = "--timeout", paramLabel = "DURATION", description = "per request attempt (default: 10s)")
    private String timeout;
    @Option(names = "--max-attempts", paramLabel = "N", description = "attempts per event in the retry modes "
            + "(default: 5)")
    private Integer maxAttempts;
    @Option(names = "--settle", paramLabel = "DURATION",
            description = "longest wait for the counts to settle before the integrity check (default: 60s)")
    private String settle;
    @Option(names = "--seed", paramLabel = "N", description = "seed of the key choice (default: random)")
    private Long seed;
    @Option(names = "--key-prefix", paramLabel = "P",
            description = "prefix of the run's keys (default: spike-DATE-TIME-XXXX, new each run)")
    private String keyPrefix;
    @Option(names = "--api-key-file", paramLabel = "FILE",
            description = "file holding the API key (else SURGE_API_KEY); sent as Authorization: Bearer, never "
                    + "printed")
    private Path apiKeyFile;
    @Option(names = "--json", paramLabel = "FILE", description = "write the result as JSON")
    private Path json;
    @Option(names = "--report", paramLabel = "FILE.html",
            description = "write a self-contained HTML report with charts")
    private Path report;
    @Option(names = "--no-verify", description = "skip the integrity check (e.g. against a server that is not Surge)")
    private boolean noVerify;
    @Option(names = "--allow-remote", description = "allow a target that is not 127.0.0.1, localhost or ::1")
    private boolean allowRemote;

    SpikeCommand(PrintStream out, Map<String, String> environment) {
        this.out = out;
        this.environment = environment;
    }

    /** The scenario the options describe, or a usage error naming the bad part. */
    Scenario scenario() {
        try {
            if (profile != null && scenario != null) {
                throw new ProfileException("give --profile or --scenario, not both");
            }
            ScenarioSettings file = scenario != null ? ScenarioSettings.read(scenario) : ScenarioSettings.none();
            ScenarioSettings options = new ScenarioSettings(target, profile == null ? null : List.of(profile), keys,
                    zipf, mode, batchSize, ack, maxInFlight, timeout, maxAttempts, settle, seed, keyPrefix);
            return file.overriddenBy(options).toScenario(!noVerify, ApiKey.from(apiKeyFile, environment))
                    .requireLoopback(allowRemote);
        } catch (ProfileException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        Scenario run = scenario();
        SpikeResult result = new Spike(run, out).run();
        if (json != null) {
            Spike.writeJson(result, json);
            out.println("Result: " + json.toAbsolutePath());
        }
        if (report != null) {
            Spike.writeReport(result, report);
            out.println("Report: " + report.toAbsolutePath());
        }
        return result.exitCode();
    }
}
