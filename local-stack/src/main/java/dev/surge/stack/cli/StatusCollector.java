package dev.surge.stack.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.surge.stack.Readiness;
import dev.surge.stack.Role;
import dev.surge.stack.StackFile;
import dev.surge.stack.StackProcess;
import dev.surge.stack.StackState;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import dev.surge.common.config.KafkaSettings;
import dev.surge.common.config.Settings;
import dev.surge.common.countpath.CountPath;
import dev.surge.common.countpath.CountPathWatcher;
import dev.surge.common.countpath.Generation;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * Gathers {@link StackStatus}: the processes in {@code stack.json} (alive, ready), and from Kafka the count path's
 * topics, who in each consumer group owns which partitions, and each group's lag.
 */
final class StatusCollector {
    /**
     * counter-streams' Kafka Streams application id (CounterConfig's default {@code application.id}): generation 1's
     * consumer group; generation N's is {@code surge-counter-gN}.
     */
    static final String COUNTER_GROUP = "surge-counter";
    /** ingest-api's ack consumer group (IngestConfig's default {@code ack.group.id}). */
    static final String ACK_GROUP = "surge-ingest-acks";
    private static final int KAFKA_TIMEOUT_SECONDS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Readiness readiness;
    private final Map<String, String> environment;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /**
     * @param environment its {@code SURGE_KAFKA_*} settings (SASL, SSL, ...) reach the Kafka clients, as they reach
     *                    the services'
     */
    StatusCollector(Readiness readiness, Map<String, String> environment) {
        this.readiness = readiness;
        this.environment = environment;
    }

    StackStatus collect(StackFile stackFile, StackState stack) {
        StackStatus.Launcher launcher = stack.launcher() == null ? null
                : new StackStatus.Launcher(stack.launcher().pid(), stack.launcher().alive());
        List<StackStatus.TopicInfo> topics = List.of();
        List<StackStatus.Group> groups = List.of();
        StackStatus.CountPathInfo countPathInfo = null;
        StackStatus.Kafka kafka;
        KafkaSettings kafkaClient = KafkaSettings.from(Settings.fromEnvironment(environment))
                .withBootstrapServers(stack.kafka());
        try (Admin admin = Admin.create(kafkaClient.clientConfig(Map.of(
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, KAFKA_TIMEOUT_SECONDS * 1_000)))) {
            CountPath countPath = CountPathWatcher.readOnce(kafkaClient, admin,
                    "surge-status", Duration.ofSeconds(KAFKA_TIMEOUT_SECONDS));
            topics = countPathTopics(admin, countPath);
            List<StackStatus.Group> found = new ArrayList<>();
            for (Generation generation : countPath.running()) {
                found.add(group(admin, generation.applicationId(COUNTER_GROUP), Role.COUNTER_STREAMS));
            }
            found.add(group(admin, ACK_GROUP, Role.INGEST_API));
            groups = List.copyOf(found);
            countPathInfo = countPathInfo(admin, countPath);
            kafka = new StackStatus.Kafka(stack.kafka(), true, null);
        } catch (ExecutionException | TimeoutException | KafkaException | IllegalStateException e) {
            kafka = new StackStatus.Kafka(stack.kafka(), false, message(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kafka = new StackStatus.Kafka(stack.kafka(), false, "interrupted");
        }
        boolean kafkaReachable = kafka.reachable();
        List<StackStatus.Process> processes = stack.processes().stream()
                .map(process -> process(process, kafkaReachable)).toList();
        return new StackStatus(stackFile.dataDir().toString(), launcher, kafka, processes, topics, groups,
                countPathInfo);
    }

    private static StackStatus.CountPathInfo countPathInfo(Admin admin, CountPath path)
            throws ExecutionException, InterruptedException, TimeoutException {
        Generation writing = path.writeTo();
        Map<TopicPartition, OffsetSpec> latest = new TreeMap<>(Comparator.comparingInt(TopicPartition::partition));
        for (int partition = 0; partition < writing.partitions(); partition++) {
            latest.put(new TopicPartition(writing.eventsTopic(), partition), OffsetSpec.latest());
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                .get(KAFKA_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        List<Long> endOffsets = latest.keySet().stream().map(partition -> ends.get(partition).offset()).toList();
        Generation other = path.previous() == null ? null
                : path.phase() == CountPath.Phase.PREPARING ? path.current() : path.previous();
        return new StackStatus.CountPathInfo(writing.number(), path.phase().name(), writing.eventsTopic(),
                writing.partitions(), writing.applicationId(COUNTER_GROUP), endOffsets, other == null ? null
                : new StackStatus.GenerationInfo(other.number(), other.eventsTopic(), other.partitions(),
                other.applicationId(COUNTER_GROUP)));
    }

    /**
     * The topics a count travels through, with their partition counts: the events topic of each running count path
     * generation (request to counter-streams) and {@code load-acks} (count back to ingest-api).
     */
    static List<StackStatus.TopicInfo> countPathTopics(Admin admin, CountPath path)
            throws ExecutionException, InterruptedException, TimeoutException {
        List<String> names = new ArrayList<>(path.running().stream().map(Generation::eventsTopic).toList());
        names.add("load-acks");
        Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames()
                .get(KAFKA_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return names.stream().map(name -> new StackStatus.TopicInfo(name, described.get(name).partitions().size()))
                .toList();
    }

    private StackStatus.Group group(Admin admin, String groupId, Role role) throws InterruptedException {
        try {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId)).describedGroups()
                    .get(groupId).get(KAFKA_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            List<StackStatus.Member> members = group.members().stream()
                    .sorted(Comparator.comparing(MemberDescription::clientId))
                    .map(StatusCollector::member).toList();
            return new StackStatus.Group(groupId, role.id(), group.groupState().toString(), members,
                    lag(admin, groupId), null);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            return new StackStatus.Group(groupId, role.id(), "UNKNOWN", List.of(), new StackStatus.Lag(0, List.of()),
                    message(e));
        }
    }

    private static StackStatus.Member member(MemberDescription member) {
        Map<String, List<Integer>> assignment = new TreeMap<>();
        for (TopicPartition partition : member.assignment().topicPartitions()) {
            assignment.computeIfAbsent(partition.topic(), topic -> new ArrayList<>()).add(partition.partition());
        }
        assignment.values().forEach(partitions -> partitions.sort(Comparator.naturalOrder()));
        return new StackStatus.Member(member.clientId(), member.host(), assignment);
    }

    /** Committed offsets against log-end offsets as a read_committed consumer sees them (after the last commit). */
    private static StackStatus.Lag lag(Admin admin, String groupId)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> committed = new TreeMap<>(
                Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata()
                .get(KAFKA_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .forEach((partition, offset) -> {
                    if (offset != null) {
                        committed.put(partition, offset);
                    }
                });
        if (committed.isEmpty()) {
            return new StackStatus.Lag(0, List.of());
        }
        Map<TopicPartition, OffsetSpec> latest = committed.keySet().stream()
                .collect(Collectors.toMap(partition -> partition, partition -> OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin
                .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                .get(KAFKA_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        List<StackStatus.PartitionLag> partitions = new ArrayList<>();
        long total = 0;
        for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : committed.entrySet()) {
            long end = ends.get(entry.getKey()).offset();
            long lag = Math.max(0, end - entry.getValue().offset());
            total += lag;
            partitions.add(new StackStatus.PartitionLag(entry.getKey().topic(), entry.getKey().partition(),
                    entry.getValue().offset(), end, lag));
        }
        return new StackStatus.Lag(total, partitions);
    }

    private StackStatus.Process process(StackProcess process, boolean kafkaReachable) {
        boolean alive = process.alive();
        boolean ready = alive && (process.is(Role.BROKER) ? kafkaReachable : readiness.ready(process.port()));
        List<Integer> active = alive && process.is(Role.COUNTER_STREAMS) ? activePartitions(process.port()) : null;
        return new StackStatus.Process(process.role(), process.pid(), process.port(), alive, ready, process.log(),
                active);
    }

    /** The load-events partitions a counter-streams instance actively owns, as it says itself; null if it cannot. */
    private List<Integer> activePartitions(int port) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/internal/load?limit=1"))
                    .timeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return null;
            }
            List<Integer> partitions = new ArrayList<>();
            JsonNode answer = JSON.readTree(response.body());
            answer.path("partitions").forEach(partition -> partitions.add(partition.asInt()));
            partitions.sort(Comparator.naturalOrder());
            return partitions;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String message(Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
}
