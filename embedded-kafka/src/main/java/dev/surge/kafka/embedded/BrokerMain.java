package dev.surge.kafka.embedded;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs {@link EmbeddedKafkaBroker} as its own process: {@code --data-dir DIR --port 9092 --controller-port 9093},
 * and any broker setting as {@code --config name=value}. With {@code --node-id N --cluster-id ID --voters
 * 1@127.0.0.1:9095,2@...} it is one node of a cluster ({@link EmbeddedKafkaBroker.Member}).
 * This is the broker {@code ./surge up} starts when no {@code --kafka} cluster is given.
 */
public final class BrokerMain {
    private BrokerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path dataDir = Path.of("data", "kafka");
        int port = 9092;
        int controllerPort = 9093;
        Map<String, String> overrides = new java.util.TreeMap<>();
        Integer nodeId = null;
        String clusterId = null;
        String voters = null;
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
                case "--node-id" -> nodeId = Integer.parseInt(value);
                case "--cluster-id" -> clusterId = value;
                case "--voters" -> voters = value;
                case "--config" -> {
                    int equals = value.indexOf('=');
                    if (equals < 1) {
                        usage("--config takes name=value, got " + value);
                    }
                    overrides.put(value.substring(0, equals), value.substring(equals + 1));
                }
                default -> usage("unknown flag " + flag);
            }
        }
        boolean member = nodeId != null || clusterId != null || voters != null;
        if (member && (nodeId == null || clusterId == null || voters == null)) {
            usage("--node-id, --cluster-id and --voters go together");
        }
        EmbeddedKafkaBroker broker;
        if (member) {
            EmbeddedKafkaBroker.Member self;
            try {
                self = new EmbeddedKafkaBroker.Member(nodeId, clusterId, voters);
            } catch (IllegalArgumentException e) {
                usage(e.getMessage());
                return;
            }
            broker = EmbeddedKafkaBroker.startMember(dataDir, port, controllerPort, self, overrides);
        } else {
            broker = EmbeddedKafkaBroker.start(dataDir, port, controllerPort, overrides);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "broker-shutdown"));
        System.out.println("Kafka broker " + (member ? "node " + nodeId + " " : "") + "listening on "
                + broker.bootstrapServers() + " (data in " + dataDir + ")");
        stopped.await();
    }

    private static void usage(String problem) {
        System.err.println("embedded-kafka: " + problem);
        System.err.println("usage: BrokerMain [--data-dir DIR] [--port N] [--controller-port N] [--config name=value]..."
                + " [--node-id N --cluster-id ID --voters 1@127.0.0.1:PORT,2@...]");
        System.exit(2);
    }
}
