package dev.surge.stack.faults;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Who does what in the embedded cluster, as Kafka's Admin client reports it: partition leaders, transaction
 * coordinators, the active controller (the KRaft quorum's leader), and whether a broker is back in every ISR.
 */
final class ClusterView implements AutoCloseable {
    private static final Duration CALL = Duration.ofSeconds(5);

    private final Admin admin;

    ClusterView(String bootstrapServers) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CALL.toMillis(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CALL.toMillis()));
    }

    /** The node that leads the most partitions of {@code topic}. */
    int leaderOfMostPartitions(String topic) throws Exception {
        Map<Integer, Integer> led = new HashMap<>();
        for (TopicPartitionInfo partition : describe(List.of(topic)).get(topic).partitions()) {
            if (partition.leader() != null && !partition.leader().isEmpty()) {
                led.merge(partition.leader().id(), 1, Integer::sum);
            }
        }
        return led.entrySet().stream().max(Map.Entry.<Integer, Integer>comparingByValue()
                        .thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder())))
                .map(Map.Entry::getKey).orElseThrow(() -> new IllegalStateException(topic + " has no leader"));
    }

    /** How many partitions of {@code topic} {@code node} leads. */
    long partitionsLedBy(String topic, int node) throws Exception {
        return describe(List.of(topic)).get(topic).partitions().stream()
                .filter(p -> p.leader() != null && p.leader().id() == node).count();
    }

    /** The node that coordinates the most of the open transactional ids whose name starts with {@code prefix}. */
    int coordinatorOfMostTransactions(String prefix) throws Exception {
        List<String> ids = get(admin.listTransactions().all()).stream().map(TransactionListing::transactionalId)
                .filter(id -> id.startsWith(prefix)).toList();
        if (ids.isEmpty()) {
            throw new IllegalStateException("no transactional id starts with " + prefix);
        }
        Map<Integer, Integer> coordinated = new HashMap<>();
        get(admin.describeTransactions(ids).all()).values()
                .forEach(description -> coordinated.merge(description.coordinatorId(), 1, Integer::sum));
        return coordinated.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    /** The active controller: the leader of the KRaft quorum. */
    int activeController() throws Exception {
        return get(admin.describeMetadataQuorum().quorumInfo()).leaderId();
    }

    /** The brokers registered and not fenced. */
    Set<Integer> brokers() throws Exception {
        return get(admin.describeCluster().nodes()).stream().map(Node::id)
                .collect(java.util.stream.Collectors.toSet());
    }

    /** Whether {@code node} is in the ISR of every partition of every topic it holds a replica of; empty if unknown. */
    Optional<Boolean> inEveryIsr(int node) {
        try {
            Set<String> topics = get(admin.listTopics(new ListTopicsOptions().listInternal(true)).names());
            for (TopicDescription topic : describe(topics).values()) {
                for (TopicPartitionInfo partition : topic.partitions()) {
                    boolean replica = partition.replicas().stream().anyMatch(n -> n.id() == node);
                    if (replica && partition.isr().stream().noneMatch(n -> n.id() == node)) {
                        return Optional.of(false);
                    }
                }
            }
            return Optional.of(true);
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** Topic name to its replication factor (the most replicas any of its partitions has). */
    Map<String, Integer> replicationFactors() throws Exception {
        Set<String> topics = get(admin.listTopics(new ListTopicsOptions().listInternal(true)).names());
        Map<String, Integer> factors = new java.util.TreeMap<>();
        describe(topics).forEach((name, topic) -> factors.put(name, topic.partitions().stream()
                .mapToInt(p -> p.replicas().size()).max().orElse(0)));
        return factors;
    }

    private Map<String, TopicDescription> describe(java.util.Collection<String> topics) throws Exception {
        return get(admin.describeTopics(topics).allTopicNames());
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future)
            throws ExecutionException, InterruptedException, TimeoutException {
        return future.get(CALL.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}
