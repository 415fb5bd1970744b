package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The embedded broker, its own process, SIGKILLed while a transaction (records and group offsets, as every
 * counter-streams commit has) is open, and started again on its log. Kafka's transaction coordinator aborts the
 * timed-out transaction as the broker comes back, at times before the broker's own partitions have a leader again,
 * and then skips their markers ("likely deleted"): without the embedded broker's hanging-transaction reaper the
 * group's offsets stayed unstable and the partition unreadable (read_committed) for good. Seen in {@code ./surge
 * faults} broker-kill: a counter-streams thread waiting forever for its committed offsets.
 */
class BrokerRestartTransactionsIT {
    private static final Path HOME = Path.of(System.getProperty("surge.home", "..")).toAbsolutePath().normalize();
    private static final String TOPIC = "restart-it-events";
    private static final String GROUP = "restart-it-group";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    private Path workDir;
    private ManagedProcess broker;

    @AfterEach
    void stop() throws Exception {
        if (broker != null) {
            broker.stop(Duration.ofSeconds(20));
        }
        if (workDir != null) {
            try (Stream<Path> paths = Files.walk(workDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    @DisplayName("A transaction open when the broker is SIGKILLed leaves no group offsets unstable and no partition "
            + "unreadable once the broker is back")
    void anOpenTransactionAtABrokerKillDoesNotHangAfterTheRestart() throws Exception {
        workDir = Files.createTempDirectory("surge-broker-restart-it");
        int port = Http.freePort();
        int controllerPort = Http.freePort();
        String bootstrap = "127.0.0.1:" + port;
        ServiceLauncher launcher = new ServiceLauncher(HOME, workDir.resolve("logs"), bootstrap, 1);
        broker = launcher.launchBroker(port, controllerPort, workDir.resolve("kafka"));
        try (Admin admin = admin(bootstrap)) {
            awaitBroker(admin);
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }

        KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "restart-it-txn",
                // counter-streams' 5 s: the restart comes later, so the coordinator aborts it on its first scan
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 5_000),
                new StringSerializer(), new StringSerializer());
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(TOPIC, 0, "k", "v")).get(30, TimeUnit.SECONDS);
        producer.sendOffsetsToTransaction(Map.of(PARTITION, new OffsetAndMetadata(1)),
                new ConsumerGroupMetadata(GROUP));

        broker.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: the transaction stays open
        producer.close(Duration.ZERO);
        broker = launcher.launchBroker(port, controllerPort, workDir.resolve("kafka"));

        try (Admin admin = admin(bootstrap)) {
            awaitBroker(admin);
            // The coordinator aborted it: the record is not readable, but the partition is readable past it, and the
            // group's offsets can be read as stable (what a Streams thread does before it processes a partition).
            await("read_committed end of " + PARTITION + " past the aborted transaction; broker log:\n"
                    + broker.logTail(20)).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(admin.listOffsets(Map.of(PARTITION, OffsetSpec.latest()),
                                    new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).partitionResult(PARTITION)
                            .get(10, TimeUnit.SECONDS).offset()).isGreaterThanOrEqualTo(1));
            await("stable offsets of " + GROUP).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions()
                    .untilAsserted(() -> assertThat(admin.listConsumerGroupOffsets(GROUP,
                                    new ListConsumerGroupOffsetsOptions().requireStable(true).timeoutMs(5_000))
                            .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS))
                            .as("the aborted transaction's offset is not committed").doesNotContainKey(PARTITION));
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
    }

    private void awaitBroker(Admin admin) {
        await("broker up; log:\n" + broker.logTail(20)).atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> !admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty());
    }
}
