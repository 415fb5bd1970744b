package dev.surge.stack;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The flags of {@code ./surge up}, parsed and validated once.
 *
 * @param home             the Surge checkout whose built jars are run
 * @param dataDir          broker logs, Streams state, process logs and {@code stack.json}
 * @param kafka            an existing cluster's bootstrap servers; empty to start the embedded broker
 * @param counterInstances how many counter-streams processes (HTTP ports counterPort, counterPort + 1, ...)
 */
public record UpOptions(Path home, Path dataDir, Optional<String> kafka, int brokerPort, int controllerPort,
                        int apiPort, int counterPort, int counterInstances, int partitions) {

    public static final String USAGE = String.join("\n",
            "usage: ./surge up [options]",
            "  --data-dir DIR           broker logs, state, logs and stack.json (default ./data)",
            "  --kafka HOST:PORT        use this Kafka cluster instead of starting the embedded broker",
            "  --partitions N           partitions of load-events and load-acks when created (default 12)",
            "  --counter-instances M    counter-streams processes to start (default 1)",
            "  --port N                 ingest-api HTTP port (default 8080)",
            "  --counter-port N         first counter-streams HTTP port (default 8081)",
            "  --broker-port N          embedded broker port (default 9092; controller uses N+1)");

    public UpOptions {
        if (counterInstances < 1 || counterInstances > 32) {
            throw new IllegalArgumentException("--counter-instances should be between 1 and 32 but was " + counterInstances);
        }
        if (partitions < 1 || partitions > 10_000) {
            throw new IllegalArgumentException("--partitions should be between 1 and 10000 but was " + partitions);
        }
        for (int port : new int[] {brokerPort, controllerPort, apiPort, counterPort}) {
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("ports should be between 1 and 65535 but one was " + port);
            }
        }
    }

    public static UpOptions parse(String[] args, Path defaultHome) {
        Path home = defaultHome;
        Path dataDir = Path.of("data");
        Optional<String> kafka = Optional.empty();
        int brokerPort = 9092;
        Integer controllerPort = null;
        int apiPort = 8080;
        int counterPort = 8081;
        int counterInstances = 1;
        int partitions = 12;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("-h") || flag.equals("--help")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + flag + "\n" + USAGE);
            }
            String value = args[++i];
            switch (flag) {
                case "--home" -> home = Path.of(value);
                case "--data-dir" -> dataDir = Path.of(value);
                case "--kafka" -> kafka = Optional.of(value);
                case "--broker-port" -> brokerPort = number(flag, value);
                case "--controller-port" -> controllerPort = number(flag, value);
                case "--port" -> apiPort = number(flag, value);
                case "--counter-port" -> counterPort = number(flag, value);
                case "--counter-instances" -> counterInstances = number(flag, value);
                case "--partitions" -> partitions = number(flag, value);
                default -> throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
            }
        }
        return new UpOptions(home, dataDir, kafka, brokerPort, controllerPort == null ? brokerPort + 1 : controllerPort,
                apiPort, counterPort, counterInstances, partitions);
    }

    private static int number(String flag, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " should be a whole number but was '" + value + "'");
        }
    }

    public String bootstrapServers() {
        return kafka.orElse("127.0.0.1:" + brokerPort);
    }
}
