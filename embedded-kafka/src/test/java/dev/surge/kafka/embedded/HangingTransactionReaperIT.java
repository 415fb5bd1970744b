package dev.surge.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reaper's scan against a real broker (every partition, the internal topics too): a live transaction, however
 * long it has been open, is never ended; and the commit marker it writes for a transaction its coordinator decided to
 * commit is one the partition takes. (The hanging case itself needs a broker restart in its own process:
 * BrokerRestartTransactionsIT in local-stack.)
 */
class HangingTransactionReaperIT {
    private static final TopicPartition EVENTS = new TopicPartition("reaper-it-events", 0);

    private Path dir;
    private EmbeddedKafkaBroker broker;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("surge-reaper-it");
        broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0, 0, Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        broker.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @Test
    void aLiveTransactionIsLeftAloneHoweverLongItIsOpen() throws Exception {
        try (Admin admin = admin();
             KafkaProducer<String, String> producer = transactionalProducer("reaper-it-txn");
             // judges every open transaction at once (settle 0): only the coordinator's word protects it
             HangingTransactionReaper reaper = HangingTransactionReaper.start("127.0.0.1",
                     broker.port(), Duration.ofDays(1), Duration.ZERO)) {
            admin.createTopics(List.of(new NewTopic(EVENTS.topic(), 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(EVENTS.topic(), 0, "k", "v")).get(30, TimeUnit.SECONDS);
            producer.sendOffsetsToTransaction(Map.of(EVENTS, new OffsetAndMetadata(1)),
                    new ConsumerGroupMetadata("reaper-it-group"));

            assertThat(reaper.scan()).as("aborted by the scan").isEmpty();
            assertThat(reaper.scan()).as("aborted by a second scan").isEmpty();

            producer.commitTransaction();
            // the commit markers follow the commit's answer: the record and offsets become visible soon after
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(admin.listOffsets(
                            Map.of(EVENTS, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .partitionResult(EVENTS).get(30, TimeUnit.SECONDS).offset())
                    .as("read_committed end: the record and the commit marker").isEqualTo(2));
            assertThat(admin.listConsumerGroupOffsets("reaper-it-group").partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS)).containsEntry(EVENTS, new OffsetAndMetadata(1));
        }
    }

    @Test
    void aCommitMarkerWrittenByTheReaperMakesTheTransactionsRecordsVisibleToReadCommittedReaders() throws Exception {
        try (Admin admin = admin();
             KafkaProducer<String, String> producer = transactionalProducer("reaper-it-marker")) {
            admin.createTopics(List.of(new NewTopic(EVENTS.topic(), 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(EVENTS.topic(), 0, "k", "v")).get(30, TimeUnit.SECONDS);
            ProducerState open = admin.describeProducers(List.of(EVENTS)).partitionResult(EVENTS)
                    .get(30, TimeUnit.SECONDS).activeProducers().get(0);
            assertThat(readCommittedEnd(admin)).as("the open transaction holds the read_committed end").isZero();

            new TransactionMarkers("127.0.0.1", broker.port(), Duration.ofSeconds(10)).commit(EVENTS,
                    open.producerId(), (short) open.producerEpoch(), open.coordinatorEpoch().orElse(0));

            assertThat(readCommittedEnd(admin)).as("the record and the commit marker").isEqualTo(2);
            assertThat(readCommitted()).as("committed, not aborted").containsExactly("v");
            assertThat(admin.describeProducers(List.of(EVENTS)).partitionResult(EVENTS).get(30, TimeUnit.SECONDS)
                    .activeProducers()).allSatisfy(producerState ->
                    assertThat(producerState.currentTransactionStartOffset()).isEmpty());
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private KafkaProducer<String, String> transactionalProducer(String transactionalId) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId),
                new StringSerializer(), new StringSerializer());
    }

    private List<String> readCommitted() {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(EVENTS));
            consumer.seekToBeginning(List.of(EVENTS));
            List<String> values = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> values.add(record.value()));
                return consumer.position(EVENTS) >= 2;
            });
            return values;
        }
    }

    private static long readCommittedEnd(Admin admin) throws Exception {
        return admin.listOffsets(Map.of(EVENTS, OffsetSpec.latest()),
                        new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .partitionResult(EVENTS).get(30, TimeUnit.SECONDS).offset();
    }
}
