package dev.surge.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The bench harness' Java side, run by bench/run.sh as {@code java -cp bench/target/bench.jar:bench/target/lib/*
 * dev.surge.bench.BenchTool SUBCOMMAND ...}:
 * <ul>
 *   <li>{@code openloop}: fixed-rate open-model load, latency from each request's due time ({@link OpenLoopCommand})</li>
 *   <li>{@code batch}: closed loop on {@code POST /simulate/batch} ({@link BatchCommand})</li>
 *   <li>{@code verify}: the integrity check after every Surge run ({@link VerifyCommand})</li>
 *   <li>{@code total}: the stack's {@code GET /load} total ({@link TotalCommand})</li>
 *   <li>{@code report}: BENCHMARKS.md's block from the run's results ({@link ReportCommand})</li>
 * </ul>
 * Exit codes: 0 done (verify: PASS), 1 verify FAILED, 2 bad command line.
 */
@Command(name = "BenchTool", mixinStandardHelpOptions = true,
        description = "Helpers of bench/run.sh (./surge bench).",
        subcommands = {OpenLoopCommand.class, BatchCommand.class, VerifyCommand.class, TotalCommand.class,
                ReportCommand.class})
public final class BenchTool {
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        // a repeated single-valued option takes its last value, as run.sh's callers may rely on
        return new CommandLine(new BenchTool()).setOverwrittenOptionsAllowed(true);
    }
}
