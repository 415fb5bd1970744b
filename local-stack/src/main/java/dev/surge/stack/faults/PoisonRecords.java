package dev.surge.stack.faults;

import dev.surge.common.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Records that are not valid events, written straight to the count path's events topic as a careless producer
 * would, and where they must end up: {@code load-events-dlq}, each once, with its reason, while counting goes on.
 */
final class PoisonRecords {
    /** One poison record: the reason counter-streams must give, its key and value. */
    record Poison(String reason, String key, String value, String replyHeader) {
    }

    private PoisonRecords() {
    }

    static List<Poison> everyKind() {
        String id = UUID.randomUUID().toString();
        return List.of(
                new Poison("undecodable", "fault-poison", "not json {", null),
                new Poison("invalid-key", "bad key!", "{\"id\":\"" + id + "-1\",\"key\":\"bad key!\",\"receivedAt\":1}",
                        null),
                new Poison("key-mismatch", "fault-poison-a",
                        "{\"id\":\"" + id + "-2\",\"key\":\"fault-poison-b\",\"receivedAt\":1}", null),
                new Poison("bad-reply-partition", "fault-poison",
                        "{\"id\":\"" + id + "-3\",\"key\":\"fault-poison\",\"receivedAt\":1}", "minus-one"));
    }

    /** Writes each to {@code topic}; returns "topic/partition/offset" per reason. */
    static Map<String, String> write(String bootstrapServers, String topic, List<Poison> poisons) throws Exception {
        Map<String, String> written = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "surge-faults-poison"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Poison poison : poisons) {
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic,
                        poison.key().getBytes(StandardCharsets.UTF_8), poison.value().getBytes(StandardCharsets.UTF_8));
                if (poison.replyHeader() != null) {
                    record.headers().add(Topics.REPLY_PARTITION_HEADER,
                            poison.replyHeader().getBytes(StandardCharsets.US_ASCII));
                }
                RecordMetadata where = producer.send(record).get(30, TimeUnit.SECONDS);
                written.put(poison.reason(), where.topic() + "/" + where.partition() + "/" + where.offset());
            }
        }
        return written;
    }

    /**
     * Reads {@code load-events-dlq} (read_committed) until every written record is there or {@code within} passes;
     * returns what is wrong (missing, twice, or with another reason).
     */
    static List<String> checkDeadLettered(String bootstrapServers, Map<String, String> written, Duration within) {
        Map<String, List<String>> seen = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.CLIENT_ID_CONFIG, "surge-faults-dlq-reader"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.DEAD_LETTERS.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Set<String> wanted = new HashSet<>(written.values());
            long deadline = System.nanoTime() + within.toNanos();
            while (!seen.keySet().containsAll(wanted) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(300))) {
                    String source = header(record, Topics.DEAD_LETTER_TOPIC_HEADER) + "/"
                            + header(record, Topics.DEAD_LETTER_PARTITION_HEADER) + "/"
                            + header(record, Topics.DEAD_LETTER_OFFSET_HEADER);
                    seen.computeIfAbsent(source, s -> new ArrayList<>())
                            .add(header(record, Topics.DEAD_LETTER_REASON_HEADER));
                }
            }
        }
        List<String> wrong = new ArrayList<>();
        written.forEach((reason, source) -> {
            List<String> reasons = seen.getOrDefault(source, List.of());
            if (!reasons.equals(List.of(reason))) {
                wrong.add("poison record " + reason + " at " + source + " is in load-events-dlq with reasons "
                        + reasons + " (expected exactly once, " + reason + ")");
            }
        });
        return wrong;
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
