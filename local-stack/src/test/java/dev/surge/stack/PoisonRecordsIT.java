package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.surge.common.event.CountAck;
import dev.surge.common.event.LoadEvent;
import dev.surge.common.topic.Topics;
import dev.surge.counter.CounterService;
import dev.surge.ingest.IngestServer;
import dev.surge.testkit.TestKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Poison records written straight to {@code load-events} with a plain producer, among events sent the normal way
 * ({@code POST /simulate}), on a real broker: each poison record is in {@code load-events-dlq} exactly once for a
 * {@code read_committed} reader, with its own bytes and the headers saying why and where from; every valid event
 * is counted exactly once and acked, no poison record is acked, and counting goes on after them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PoisonRecordsIT {
    private static final String APPLICATION_ID = "surge-counter-poison-it";
    private static final List<String> KEYS = List.of("valid-0", "valid-1", "valid-2", "valid-3");
    private static final int EVENTS_PER_KEY_AND_ROUND = 5;

    private final Http http = new Http();
    private TestKafka kafka;
    private CounterService counter;
    private IngestServer api;

    /** A record that is not a valid event, and the reason counter-streams should give. */
    private record Poison(String reason, byte[] key, byte[] value, RecordHeaders headers) {
    }

    @BeforeAll
    void start() throws Exception {
        kafka = TestKafka.start();
        counter = InProcessSurge.counter(kafka.bootstrapServers(), APPLICATION_ID, Map.of());
        api = InProcessSurge.api(kafka.bootstrapServers(), "surge-ingest-acks-poison-it", List.of(counter), Map.of());
    }

    @AfterAll
    void stop() throws Exception {
        api.close();
        counter.close();
        kafka.close();
    }

    @Test
    void shouldSetEachPoisonRecordAsideOnceAndCountEveryValidEventExactlyOnce() throws Exception {
        long now = System.currentTimeMillis();
        List<Poison> poisons = List.of(
                new Poison("undecodable", utf8("valid-0"), utf8("{\"id\":\"x\",\"key\":"), new RecordHeaders()),
                new Poison("invalid-key", utf8("not a key"), json(new LoadEvent("p-2", "not a key", now)),
                        new RecordHeaders()),
                // A usable reply partition and a request id: still no ack.
                new Poison("key-mismatch", utf8("valid-1"), json(new LoadEvent("p-3", "valid-0", now)),
                        replyTo("0")),
                new Poison("bad-reply-partition", utf8("valid-2"), json(new LoadEvent("p-4", "valid-2", now)),
                        replyTo("seven")));

        List<Http.Response> responses = new ArrayList<>(post(EVENTS_PER_KEY_AND_ROUND));
        Map<String, RecordMetadata> written = produce(poisons);
        responses.addAll(post(EVENTS_PER_KEY_AND_ROUND));

        assertThat(responses).allSatisfy(response -> assertThat(response.status()).isEqualTo(200));
        Map<String, List<Long>> loads = new TreeMap<>();
        responses.forEach(response -> loads.computeIfAbsent(response.body().get("key").asText(),
                key -> new ArrayList<>()).add(response.body().get("load").asLong()));
        List<Long> oneToN = LongStream.rangeClosed(1, 2L * EVENTS_PER_KEY_AND_ROUND).boxed().toList();
        assertThat(loads).containsOnlyKeys(KEYS)
                .allSatisfy((key, values) -> assertThat(values).as(key).containsExactlyElementsOf(oneToN));
        for (String key : KEYS) {
            assertThat(http.get(api.port(), "/load/" + key).body().get("load").asLong()).as("GET /load/" + key)
                    .isEqualTo(oneToN.size());
        }

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
             KafkaConsumer<byte[], byte[]> consumer = readCommitted()) {
            assertThat(partitions(consumer, Topics.DEAD_LETTERS.name())).as("created like load-events")
                    .hasSameSizeAs(partitions(consumer, Topics.LOAD_EVENTS.name()));
            awaitConsumed(admin, consumer);
            List<ConsumerRecord<byte[], byte[]>> letters = readAll(consumer, Topics.DEAD_LETTERS.name());
            assertThat(letters).as("dead letters").hasSize(poisons.size());
            Map<String, ConsumerRecord<byte[], byte[]>> byReason = letters.stream().collect(Collectors.toMap(
                    letter -> header(letter, Topics.DEAD_LETTER_REASON_HEADER), letter -> letter));
            for (Poison poison : poisons) {
                ConsumerRecord<byte[], byte[]> letter = byReason.get(poison.reason());
                assertThat(letter).as(poison.reason()).isNotNull();
                assertThat(letter.key()).as(poison.reason() + " key").isEqualTo(poison.key());
                assertThat(letter.value()).as(poison.reason() + " value").isEqualTo(poison.value());
                RecordMetadata source = written.get(poison.reason());
                assertThat(header(letter, Topics.DEAD_LETTER_TOPIC_HEADER)).isEqualTo("load-events");
                assertThat(header(letter, Topics.DEAD_LETTER_PARTITION_HEADER))
                        .isEqualTo(Integer.toString(source.partition()));
                assertThat(header(letter, Topics.DEAD_LETTER_OFFSET_HEADER))
                        .isEqualTo(Long.toString(source.offset()));
                assertThat(header(letter, Topics.DEAD_LETTER_DETAIL_HEADER)).isNotBlank();
                assertThat(header(letter, Topics.DEAD_LETTER_TIME_HEADER)).isNotBlank();
            }

            Set<String> ackIds = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> ack : readAll(consumer, Topics.LOAD_ACKS.name())) {
                CountAck value = (CountAck) Topics.LOAD_ACKS.valueSerde().deserializer().deserialize("load-acks", ack.value());
                assertThat(ackIds.add(value.id())).as("one ack for " + value.id()).isTrue();
            }
            Set<String> requestIds = responses.stream().map(response -> response.body().get("id").asText())
                    .collect(Collectors.toSet());
            assertThat(ackIds).as("an ack for every request and none for a poison record").isEqualTo(requestIds);
        }

        String metrics = metrics(counter.httpPort());
        for (Poison poison : poisons) {
            assertThat(metrics).contains("surge_dead_letters_total{reason=\"" + poison.reason() + "\"} 1.0");
        }
    }

    /** Posts {@code perKey} events for every key, one after the other. */
    private List<Http.Response> post(int perKey) {
        List<Http.Response> responses = new ArrayList<>();
        for (int i = 0; i < perKey; i++) {
            for (String key : KEYS) {
                responses.add(http.post(api.port(), "/simulate", "{\"key\":\"" + key + "\"}"));
            }
        }
        return responses;
    }

    /** Writes the poison records straight to load-events, as a foreign writer would; where each landed. */
    private Map<String, RecordMetadata> produce(List<Poison> poisons) throws Exception {
        Map<String, RecordMetadata> written = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Poison poison : poisons) {
                written.put(poison.reason(), producer.send(new ProducerRecord<>(Topics.LOAD_EVENTS.name(), null,
                        poison.key(), poison.value(), poison.headers())).get());
            }
        }
        return written;
    }

    private KafkaConsumer<byte[], byte[]> readCommitted() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Until counter-streams has committed every load-events record (and with it each record's output). */
    private void awaitConsumed(Admin admin, KafkaConsumer<byte[], byte[]> consumer) {
        List<TopicPartition> partitions = partitions(consumer, Topics.LOAD_EVENTS.name());
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(APPLICATION_ID)
                    .partitionsToOffsetAndMetadata().get();
            ends.forEach((partition, end) -> {
                if (end > 0) {
                    assertThat(committed.get(partition)).as("committed offset of " + partition).isNotNull()
                            .extracting(OffsetAndMetadata::offset).isEqualTo(end);
                }
            });
        });
    }

    /**
     * Every record a read_committed reader sees in {@code topic}, read up to the end offsets it reports (the last
     * stable offset: no open transaction is left once the input is committed).
     */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaConsumer<byte[], byte[]> consumer,
                                                                String topic) {
        List<TopicPartition> partitions = partitions(consumer, topic);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ofMillis(1)).until(() -> {
            consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            return partitions.stream().allMatch(partition -> consumer.position(partition) >= ends.get(partition));
        });
        return records;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        return consumer.partitionsFor(topic).stream()
                .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
    }

    private static String metrics(int port) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        assertThat(header).as("header " + name).isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private static RecordHeaders replyTo(String partition) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.REPLY_PARTITION_HEADER, utf8(partition));
        return headers;
    }

    private static byte[] json(LoadEvent event) {
        return Topics.LOAD_EVENTS.valueSerde().serializer().serialize(Topics.LOAD_EVENTS.name(), event);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
