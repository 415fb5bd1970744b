package dev.surge.stack.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./surge status}: what runs, what Kafka holds for the count path, who owns which partition, and lag. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the stack's processes (alive, ready), Kafka, the count path's topics, consumer group "
                + "members with their partitions, and consumer lag.")
final class StatusCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final PrintStream out;
    private final StatusCollector collector;

    @Mixin
    private DataDirOption dataDir;
    @Option(names = "--json", description = "one JSON object (its shape is in README.md), for scripts")
    private boolean json;

    StatusCommand(PrintStream out, StatusCollector collector) {
        this.out = out;
        this.collector = collector;
    }

    @Override
    public Integer call() throws Exception {
        StackStatus status = collector.collect(dataDir.stackFile(), dataDir.runningStack());
        if (json) {
            out.println(JSON.writeValueAsString(status));
        } else {
            StatusTable.print(status, out);
        }
        return 0;
    }
}
