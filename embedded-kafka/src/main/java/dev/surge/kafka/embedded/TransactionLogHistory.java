package dev.surge.kafka.embedded;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.coordinator.transaction.TransactionLog;
import org.apache.kafka.coordinator.transaction.TransactionMetadata;

/**
 * Reads what transaction coordinators logged in {@code __transaction_state} for some transactional ids: the history
 * {@link HangingTransactions} needs to tell how a transaction ended once the coordinator has moved on. Records are
 * decoded with Kafka's own {@link TransactionLog#read}.
 */
final class TransactionLogHistory {
    private TransactionLogHistory() {
    }

    /**
     * Every record of these transactional ids still in the log, by producer id, in log order. Reads the whole topic
     * from its start to its end as of now (it is compacted, and small on a local broker).
     */
    static Map<Long, List<HangingTransactions.Logged>> read(String bootstrapServers, Set<String> transactionalIds,
                                                            Duration timeout) throws TimeoutException {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "surge-hanging-transactions-log");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        Map<Long, List<HangingTransactions.Logged>> history = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topic.TRANSACTION_STATE_TOPIC_NAME, timeout)
                    .stream().map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!readTo(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("Could not read " + Topic.TRANSACTION_STATE_TOPIC_NAME + " to its end "
                            + end + " within " + timeout.toMillis() + " ms");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key() == null || record.value() == null) {
                        continue;
                    }
                    if (TransactionLog.read(ByteBuffer.wrap(record.key()), ByteBuffer.wrap(record.value()))
                            instanceof TransactionLog.TxnRecord txn && transactionalIds.contains(txn.transactionId())) {
                        TransactionMetadata metadata = txn.metadata();
                        history.computeIfAbsent(metadata.producerId(), id -> new ArrayList<>())
                                .add(new HangingTransactions.Logged(metadata.producerId(), metadata.producerEpoch(),
                                        TransactionState.parse(metadata.state().stateName()),
                                        Set.copyOf(metadata.topicPartitions())));
                    }
                }
            }
        }
        return history;
    }

    private static boolean readTo(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(each -> consumer.position(each.getKey()) >= each.getValue());
    }
}
