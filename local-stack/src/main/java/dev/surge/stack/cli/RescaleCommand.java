package dev.surge.stack.cli;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.Settings;
import dev.surge.common.config.TopicSettings;
import dev.surge.common.countpath.Rescale;
import dev.surge.stack.Role;
import dev.surge.stack.StackState;
import dev.surge.stack.UpOptions;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./surge rescale --partitions P}: takes the count path to P partitions while clients keep posting (see
 * {@link Rescale} for the steps). Kafka is the running stack's ({@code --data-dir}) or any cluster ({@code --kafka});
 * every {@code SURGE_KAFKA_*} variable (SASL, SSL, ...) reaches its clients, as it does the services'.
 */
@Command(name = "rescale", mixinStandardHelpOptions = true,
        description = "Change the count path's partition count while clients keep posting. Safe to run again: a "
                + "rerun with the same --partitions completes an interrupted rescale.")
final class RescaleCommand implements Callable<Integer> {
    private final PrintStream out;
    private final Map<String, String> environment;

    @Mixin
    private DataDirOption dataDir;
    @Option(names = "--partitions", paramLabel = "P", required = true,
            description = "the partition count to reach (1-10000)")
    private int partitions;
    @Option(names = "--kafka", paramLabel = "HOST:PORT",
            description = "a Kafka cluster to rescale instead of the stack in --data-dir")
    private String kafka;
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "the longest wait for each step (default: ${DEFAULT-VALUE})")
    private int timeoutSeconds;

    RescaleCommand(PrintStream out, Map<String, String> environment) {
        this.out = out;
        this.environment = environment;
    }

    @Override
    public Integer call() throws InterruptedException {
        Map<String, String> variables = new HashMap<>(environment);
        String bootstrap = kafka;
        if (kafka == null) {
            StackState stack = dataDir.runningStack();
            bootstrap = stack.kafka();
            // the new generation's topics get the replication the stack's services created theirs with
            if (stack.of(Role.BROKER).size() >= UpOptions.CLUSTER_BROKERS) {
                variables.putIfAbsent(Settings.variableOf("replication.factor"),
                        Integer.toString(UpOptions.CLUSTER_BROKERS));
            }
        }
        variables.put(Settings.variableOf("kafka.bootstrap.servers"), bootstrap);
        Settings settings = Settings.fromEnvironment(variables);
        new Rescale(KafkaSettings.from(settings), settings.string("application.id", StatusCollector.COUNTER_GROUP),
                TopicSettings.from(settings), Duration.ofSeconds(timeoutSeconds), out)
                .to(partitions);
        return 0;
    }
}
