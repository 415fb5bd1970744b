package dev.surge.counter;

import dev.surge.common.config.Settings;
import dev.surge.common.countpath.Rescale;
import java.time.Duration;

/**
 * {@code java -cp counter-streams.jar dev.surge.counter.RescaleMain --partitions P}: the rescale as a container
 * command (a Compose service or a Kubernetes Job), configured from the same {@code SURGE_*} variables as
 * counter-streams itself. {@code ./surge rescale} runs the same steps on a local stack.
 */
public final class RescaleMain {
    private RescaleMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2 || !"--partitions".equals(args[0])) {
            System.err.println("usage: RescaleMain --partitions P   (Kafka and application id from SURGE_* variables)");
            System.exit(2);
            return;
        }
        try {
            int partitions = Integer.parseInt(args[1]);
            CounterConfig config = CounterConfig.from(Settings.fromEnvironment(System.getenv()));
            new Rescale(config.kafka(), config.applicationId(), config.topics(),
                    Duration.ofMinutes(5), System.out).to(partitions);
        } catch (NumberFormatException e) {
            System.err.println("--partitions should be a whole number but was '" + args[1] + "'");
            System.exit(2);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        } catch (IllegalStateException e) {
            System.err.println("rescale failed: " + e.getMessage());
            System.exit(1);
        }
    }
}
