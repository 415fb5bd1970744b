package dev.surge.stack.cli;

import dev.surge.stack.GracefulStop;
import dev.surge.stack.Readiness;
import dev.surge.stack.Role;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./surge}: the command line of a local Surge stack, and its composition root. {@code main} builds every
 * part once and hands it to the subcommands through their constructors.
 *
 * <p>Exit codes: 0 done, 1 failed (the message says why), 2 usage error.
 */
@Command(name = "surge", mixinStandardHelpOptions = true, version = "surge 0.1.0",
        description = "Run Surge on this machine: a Kafka broker, counter-streams and ingest-api as processes.",
        footer = {"", "./surge bench [options] runs the benchmarks (bench/README.md).",
                "Run './surge COMMAND --help' for the options of a command."})
public final class SurgeCommand implements Runnable {
    /** SIGTERM to exit, per process, before SIGKILL. */
    static final Duration STOP_GRACE = Duration.ofSeconds(30);

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        Path home = Path.of(System.getProperty("surge.home", ".")).toAbsolutePath().normalize();
        System.exit(commandLine(home, System.out, System.getenv()).execute(args));
    }

    /**
     * Every subcommand, wired. A new subcommand is one more {@code addSubcommand} here.
     *
     * @param environment the variables the started services inherit; {@code SURGE_KAFKA_*} among them reach every
     *                    Kafka client of the command line too
     */
    static CommandLine commandLine(Path home, PrintStream out, Map<String, String> environment) {
        Readiness readiness = new Readiness();
        GracefulStop stop = new GracefulStop(STOP_GRACE);
        CommandLine commandLine = new CommandLine(new SurgeCommand())
                .addSubcommand(new UpCommand(home, out, readiness, stop, environment))
                .addSubcommand(new DownCommand(out, stop))
                .addSubcommand(new StartCommand(home, out, readiness, stop))
                .addSubcommand(new StopCommand(out, stop))
                .addSubcommand(new StatusCommand(out, new StatusCollector(readiness, environment)))
                .addSubcommand(new RescaleCommand(out, environment))
                .addSubcommand(new FaultsCommand(home, out))
                .addSubcommand(new SpikeCommand(out, environment))
                .addSubcommand(new CommandLine.HelpCommand())
                // after the subcommands: a converter reaches only the commands added before it
                .registerConverter(Role.class, Role::of);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setExecutionExceptionHandler(SurgeCommand::failure);
        return commandLine;
    }

    /** A command that could not do its job: one line saying why on stderr, exit 1. */
    private static int failure(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        String message = e instanceof IllegalStateException || e instanceof UncheckedIOException
                ? e.getMessage() : e.toString();
        commandLine.getErr().println("surge " + commandLine.getCommandName() + " failed: " + message);
        return 1;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed");
    }
}
