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
 * @param brokers          embedded brokers: 1, or {@link #CLUSTER_BROKERS} for a cluster (each a broker and a KRaft
 *                         voter, topics with 3 replicas, 2 in sync); broker {@code i} (from 0) listens on
 *                         {@code brokerPort + i}, its controller on {@code controllerPort + i}
 * @param apiInstances     how many ingest-api processes; at most {@code partitions}, since an instance without a
 *                         {@code load-acks} partition cannot answer with counts
 * @param counterInstances how many counter-streams processes
 * @param kafkaSettings    the Kafka client settings the services get from the environment ({@code SURGE_KAFKA_*}:
 *                         SASL, SSL, ...); their bootstrap servers are replaced by the stack's, see
 *                         {@link #kafkaClient()}
 */
public record UpOptions(Path home, Path dataDir, Optional<String> kafka, int brokers, int brokerPort,
                        int controllerPort, int apiPort, int apiInstances, int counterPort, int counterInstances,
                        int partitions, KafkaSettings kafkaSettings) {

    public static final int MAX_API_INSTANCES = 12;
    /** Brokers of the embedded cluster: the fewest that keep a majority of voters and two in-sync replicas after one fails. */
    public static final int CLUSTER_BROKERS = 3;

    public UpOptions {
        if (brokers != 1 && brokers != CLUSTER_BROKERS) {
            throw new IllegalArgumentException("--brokers should be 1 or " + CLUSTER_BROKERS + " but was " + brokers
                    + " (with 2, one broker lost stops the KRaft quorum, which needs a majority of its voters)");
        }
        if (brokers > 1 && kafka.isPresent()) {
            throw new IllegalArgumentException("--brokers " + brokers + " starts embedded brokers; with --kafka the "
                    + "cluster is yours: leave --brokers out and set SURGE_REPLICATION_FACTOR (see README, \"Running "
                    + "against a Kafka cluster\")");
        }
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
        if (brokerPort + brokers > 65_536 || controllerPort + brokers > 65_536) {
            throw new IllegalArgumentException("the brokers' ports would go past 65535");
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
                        new PortClaim(brokerPort, brokers, "the embedded broker (--broker-port)"),
                        new PortClaim(controllerPort, brokers, "the embedded broker's controller (--controller-port)"));
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
        return kafka.orElseGet(() -> String.join(",", java.util.stream.IntStream.range(0, brokers)
                .mapToObj(i -> "127.0.0.1:" + (brokerPort + i)).toList()));
    }

    /** Whether this stack runs the embedded cluster of {@link #CLUSTER_BROKERS} brokers. */
    public boolean cluster() {
        return brokers > 1;
    }

    /** {@code controller.quorum.voters} of the embedded cluster: node {@code i + 1} on {@code controllerPort + i}. */
    public String voters() {
        return String.join(",", java.util.stream.IntStream.range(0, brokers)
                .mapToObj(i -> (i + 1) + "@127.0.0.1:" + (controllerPort + i)).toList());
    }

    /**
     * Replicas of the topics the services create on the embedded cluster (3); otherwise 1, and the services read
     * {@code SURGE_REPLICATION_FACTOR} from the environment they inherit.
     */
    public int replicationFactor() {
        return cluster() ? CLUSTER_BROKERS : 1;
    }

    /** The Kafka client settings of every service of the stack: the environment's, on this stack's cluster. */
    public KafkaSettings kafkaClient() {
        return kafkaSettings.withBootstrapServers(bootstrapServers());
    }
}
