package dev.surge.stack;

import dev.surge.common.config.KafkaSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The options of {@code ./surge up}, validated once.
 *
 * <p>Ports: ingest-api instances listen on {@code apiPort, apiPort + 1, ...}; counter-streams instances on
 * {@code counterPort, counterPort + 1, ...}, by default right after the APIs ({@code apiPort + apiInstances}, so
 * 8081 with one API on 8080).
 *
 * @param home             the Surge checkout whose built jars are run
 * @param dataDir          broker logs, Streams state, process logs and {@code stack.json}
 * @param kafka            an existing cluster's bootstrap servers; empty to start the embedded broker
 * @param apiInstances     how many ingest-api processes; at most {@code partitions}, since an instance without a
 *                         {@code load-acks} partition cannot answer with counts
 * @param counterInstances how many counter-streams processes
 * @param kafkaSettings    the Kafka client settings the services get from the environment ({@code SURGE_KAFKA_*}:
 *                         SASL, SSL, ...); their bootstrap servers are replaced by the stack's, see
 *                         {@link #kafkaClient()}
 */
public record UpOptions(Path home, Path dataDir, Optional<String> kafka, int brokerPort, int controllerPort,
                        int apiPort, int apiInstances, int counterPort, int counterInstances, int partitions,
                        KafkaSettings kafkaSettings) {

    public static final int MAX_API_INSTANCES = 12;

    public UpOptions {
        if (partitions < 1 || partitions > 10_000) {
            throw new IllegalArgumentException("--partitions should be between 1 and 10000 but was " + partitions);
        }
        if (apiInstances < 1 || apiInstances > Math.min(MAX_API_INSTANCES, partitions)) {
            throw new IllegalArgumentException("--api-instances should be between 1 and "
                    + Math.min(MAX_API_INSTANCES, partitions) + " (each needs a load-acks partition of its own) but "
                    + "was " + apiInstances);
        }
        if (counterInstances < 1 || counterInstances > 32) {
            throw new IllegalArgumentException("--counter-instances should be between 1 and 32 but was "
                    + counterInstances);
        }
        for (int port : new int[] {brokerPort, controllerPort, apiPort, counterPort}) {
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("ports should be between 1 and 65535 but one was " + port);
            }
        }
        if (apiPort + apiInstances > 65_536 || counterPort + counterInstances > 65_536) {
            throw new IllegalArgumentException("the instances' ports would go past 65535");
        }
        if (apiPort < counterPort + counterInstances && counterPort < apiPort + apiInstances) {
            throw new IllegalArgumentException("ingest-api ports " + range(apiPort, apiInstances)
                    + " overlap counter-streams ports " + range(counterPort, counterInstances)
                    + ": pick another --counter-port");
        }
        List<PortClaim> claims = kafka.isPresent()
                ? List.of(new PortClaim(apiPort, apiInstances, "ingest-api (--port)"),
                        new PortClaim(counterPort, counterInstances, "counter-streams (--counter-port)"))
                : List.of(new PortClaim(apiPort, apiInstances, "ingest-api (--port)"),
                        new PortClaim(counterPort, counterInstances, "counter-streams (--counter-port)"),
                        new PortClaim(brokerPort, 1, "the embedded broker (--broker-port)"),
                        new PortClaim(controllerPort, 1, "the embedded broker's controller (--controller-port)"));
        for (int i = 0; i < claims.size(); i++) {
            for (int j = i + 1; j < claims.size(); j++) {
                PortClaim one = claims.get(i);
                PortClaim other = claims.get(j);
                int shared = Math.max(one.first(), other.first());
                if (shared < one.first() + one.count() && shared < other.first() + other.count()) {
                    throw new IllegalArgumentException("port " + shared + " is given twice: to " + one.who()
                            + " and to " + other.who() + "; pick another");
                }
            }
        }
    }

    /** Ports {@code first} to {@code first + count - 1}, taken by {@code who}. */
    private record PortClaim(int first, int count, String who) {
    }

    private static String range(int first, int count) {
        return count == 1 ? Integer.toString(first) : first + "-" + (first + count - 1);
    }

    public String bootstrapServers() {
        return kafka.orElse("127.0.0.1:" + brokerPort);
    }

    /** The Kafka client settings of every service of the stack: the environment's, on this stack's cluster. */
    public KafkaSettings kafkaClient() {
        return kafkaSettings.withBootstrapServers(bootstrapServers());
    }
}
