package dev.surge.kafka.embedded;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs {@link EmbeddedKafkaBroker} as its own process: {@code --data-dir DIR --port 9092 --controller-port 9093}.
 * This is the broker {@code ./surge up} starts when no {@code --kafka} cluster is given.
 */
public final class BrokerMain {
    private BrokerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path dataDir = Path.of("data", "kafka");
        int port = 9092;
        int controllerPort = 9093;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                usage("missing value after " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--data-dir" -> dataDir = Path.of(value);
                case "--port" -> port = Integer.parseInt(value);
                case "--controller-port" -> controllerPort = Integer.parseInt(value);
                default -> usage("unknown flag " + flag);
            }
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dataDir, port, controllerPort, Map.of());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "broker-shutdown"));
        System.out.println("Kafka broker listening on " + broker.bootstrapServers() + " (data in " + dataDir + ")");
        stopped.await();
    }

    private static void usage(String problem) {
        System.err.println("embedded-kafka: " + problem);
        System.err.println("usage: BrokerMain [--data-dir DIR] [--port N] [--controller-port N]");
        System.exit(2);
    }
}
