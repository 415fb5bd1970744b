package dev.surge.stack.faults;

import dev.surge.common.event.EventSlice;
import dev.surge.common.event.LoadEvent;
import dev.surge.common.event.EventCheck;
import dev.surge.common.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the count path holds: every committed record of every generation's events topic ({@code load-events},
 * {@code load-events-gN}), read from the beginning with a {@code read_committed} consumer, the way counter-streams
 * reads them. A record the previous generation forwarded after its hand-over (it carries the
 * {@value Topics#GENERATION_HEADER} header) is the same event again, not a new one.
 */
final class CommittedEvents {
    private static final Pattern EVENTS_TOPIC = Pattern.compile("load-events(-g\\d+)?");
    private static final Duration READ_WITHIN = Duration.ofSeconds(60);

    /**
     * One valid event as written by ingest-api (forwarded copies left out), and where it is: a batch slice's events
     * each on their own, sharing the slice's place.
     */
    record Written(LoadEvent event, String topic, int partition, long offset) {
    }

    /**
     * @param events  each valid event once, in no particular order
     * @param invalid records that are not a valid event (not JSON, key mismatch, invalid key): never counted
     * @param partitionsWithEvents per events topic, how many of its partitions hold at least one record
     */
    record Contents(List<Written> events, int invalid, Map<String, Integer> partitionsWithEvents) {
    }

    private CommittedEvents() {
    }

    static Contents read(String bootstrapServers) throws Exception {
        List<TopicPartition> partitions = new ArrayList<>();
        Map<String, Integer> partitionCounts = new HashMap<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            List<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(name -> EVENTS_TOPIC.matcher(name).matches()).sorted().toList();
            admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, description) -> {
                partitionCounts.put(name, description.partitions().size());
                description.partitions().forEach(p -> partitions.add(new TopicPartition(name, p.partition())));
            });
        }
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "surge-faults-reader");
        List<Written> events = new ArrayList<>();
        Map<String, Integer> partitionsWithEvents = new HashMap<>();
        int invalid = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // read_committed: the end offsets are the last stable offsets, past which nothing committed waits
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            end.forEach((tp, offset) -> {
                if (offset > 0) {
                    partitionsWithEvents.merge(tp.topic(), 1, Integer::sum);
                }
            });
            long deadline = System.nanoTime() + READ_WITHIN.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the events topics to their end within "
                            + READ_WITHIN.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.headers().lastHeader(Topics.GENERATION_HEADER) != null) {
                        continue;
                    }
                    List<LoadEvent> written = decode(record, partitionCounts.get(record.topic()));
                    if (written == null) {
                        invalid++;
                    } else {
                        written.forEach(event -> events.add(new Written(event, record.topic(), record.partition(),
                                record.offset())));
                    }
                }
            }
        }
        return new Contents(events, invalid, partitionsWithEvents);
    }

    /**
     * The record's events (a batch slice's each with its id, {@code <batch>:<position>}), or null when counter-streams
     * would not count the record (it sends it to load-events-dlq).
     */
    private static List<LoadEvent> decode(ConsumerRecord<byte[], byte[]> record, int partitions) {
        if (!(EventCheck.check(record.topic(), partitions, record.key(), record.value(),
                record.headers().lastHeader(Topics.REPLY_PARTITION_HEADER)) instanceof EventCheck.Valid valid)) {
            return null;
        }
        if (valid.record() instanceof EventSlice slice) {
            List<LoadEvent> events = new ArrayList<>(slice.size());
            for (int i = 0; i < slice.size(); i++) {
                events.add(new LoadEvent(slice.eventId(i), slice.events().get(i).key(), slice.receivedAt(),
                        slice.client(), slice.events().get(i).idempotencyKey()));
            }
            return events;
        }
        return List.of((LoadEvent) valid.record());
    }
}
