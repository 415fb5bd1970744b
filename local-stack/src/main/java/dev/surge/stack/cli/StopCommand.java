package dev.surge.stack.cli;

import dev.surge.stack.GracefulStop;
import dev.surge.stack.Role;
import dev.surge.stack.StackFile;
import dev.surge.stack.StackProcess;
import dev.surge.stack.StackState;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./surge stop ROLE}: stops one counter-streams or ingest-api process of the running stack. Its entry leaves
 * {@code stack.json} first, so the launcher of {@code ./surge up} sees a process stopped on purpose, not a crash.
 */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop one counter-streams or ingest-api process (SIGTERM, up to 30 s, then SIGKILL) and "
                + "remove it from stack.json. Without --pid: the most recently started one of ROLE.")
final class StopCommand implements Callable<Integer> {
    private final PrintStream out;
    private final GracefulStop stop;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;
    @Mixin
    private DataDirOption dataDir;
    @Parameters(paramLabel = "ROLE", description = "counter-streams or ingest-api")
    private Role role;
    @Option(names = "--pid", paramLabel = "PID", description = "which process of ROLE (see ./surge status)")
    private Long pid;

    StopCommand(PrintStream out, GracefulStop stop) {
        this.out = out;
        this.stop = stop;
    }

    @Override
    public Integer call() {
        if (role == Role.BROKER) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "stop takes counter-streams or ingest-api; ./surge down stops the broker with the rest");
        }
        StackFile stackFile = dataDir.stackFile();
        StackProcess chosen;
        int left;
        try (StackFile.Lock lock = stackFile.lock()) {
            StackState stack = lock.read().orElseGet(dataDir::runningStack);
            List<StackProcess> ofRole = stack.of(role);
            chosen = pid == null
                    ? ofRole.stream().reduce((first, second) -> second).orElseThrow(() -> new IllegalStateException(
                            "No " + role + " is listed in " + stackFile.path()))
                    : ofRole.stream().filter(p -> p.pid() == pid).findFirst().orElseThrow(() ->
                            new IllegalStateException("No " + role + " with pid " + pid + " is listed in "
                                    + stackFile.path() + "; listed: " + ofRole.stream().map(StackProcess::pid).toList()));
            lock.write(stack.without(chosen.pid()));
            left = ofRole.size() - 1;
        }
        if (left == 0) {
            out.println("surge: warning: this is the last " + role + "; "
                    + (role == Role.COUNTER_STREAMS ? "nothing counts" : "nothing takes requests") + " until one "
                    + "is started again (./surge start " + role + ")");
        }
        out.println("Stopping " + role + " pid " + chosen.pid() + " port " + chosen.port() + " ...");
        long began = System.nanoTime();
        GracefulStop.Outcome outcome = stop.stop(chosen);
        double seconds = (System.nanoTime() - began) / 1e9;
        switch (outcome) {
            case NOT_RUNNING -> out.println(role + " pid " + chosen.pid() + " was not running; removed from the list");
            case EXITED -> out.printf("%s pid %d stopped (exited %.1f s after SIGTERM)%n", role, chosen.pid(),
                    seconds);
            case KILLED -> out.println(role + " pid " + chosen.pid() + " did not exit within "
                    + stop.grace().toSeconds() + " s of SIGTERM: killed with SIGKILL");
        }
        return 0;
    }
}
