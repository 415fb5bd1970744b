package dev.surge.counter.topology;

import dev.surge.common.event.AckRecord;
import dev.surge.common.event.DeadLetterReason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.surge.common.countpath.Generation;
import dev.surge.common.event.CountAck;
import dev.surge.common.event.LoadEvent;
import dev.surge.common.topic.Topics;
import dev.surge.counter.query.PartitionLoads;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whatever is in an events topic that is not a valid event goes to {@code load-events-dlq} with its original bytes
 * and headers saying why, where from and when; it is not counted and not acked, and the next valid event counts as
 * if it had never been there.
 */
class DeadLetterTest {
    private static final Instant WALL_CLOCK = Instant.parse("2026-11-30T08:15:00.125Z");
    private static final Instant T0 = Instant.parse("2026-11-29T12:00:00.250Z");
    private final List<DeadLetterReason> deadLettered = new ArrayList<>();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> events;
    private TestOutputTopic<String, AckRecord> acks;
    private TestOutputTopic<byte[], byte[]> deadLetters;

    @BeforeEach
    void setUp() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dead-letter-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(CounterTopology.build(CounterTopology.Options.DEFAULT, new Generation(1, 1),
                CounterTopology.Successor.NONE, deadLettered::add, new PartitionLoads()), props, WALL_CLOCK);
        events = driver.createInputTopic(Topics.LOAD_EVENTS.name(), new ByteArraySerializer(),
                new ByteArraySerializer());
        acks = driver.createOutputTopic(Topics.LOAD_ACKS.name(), Topics.LOAD_ACKS.keySerde().deserializer(),
                Topics.LOAD_ACKS.valueSerde().deserializer());
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void shouldDeadLetterAValueThatIsNotJson() {
        TestRecord<byte[], byte[]> letter = poisonBetweenTwoEvents("k", utf8("{\"id\":\"p\",\"key\":"), null);

        assertThat(header(letter, Topics.DEAD_LETTER_REASON_HEADER)).isEqualTo("undecodable");
        assertThat(header(letter, Topics.DEAD_LETTER_DETAIL_HEADER)).startsWith("Bad EventRecord JSON")
                .contains("end-of-input");
        assertThat(deadLettered).containsExactly(DeadLetterReason.UNDECODABLE);
    }

    @Test
    void shouldDeadLetterJsonThatIsNotALoadEvent() {
        TestRecord<byte[], byte[]> unknownField = poisonBetweenTwoEvents("k",
                utf8("{\"id\":\"p\",\"key\":\"k\",\"receivedAt\":1,\"extra\":true}"), null);
        TestRecord<byte[], byte[]> noId = poison("k", utf8("{\"key\":\"k\",\"receivedAt\":1}"), null);
        TestRecord<byte[], byte[]> jsonNull = poison("k", utf8("null"), null);

        assertThat(List.of(unknownField, noId, jsonNull))
                .extracting(letter -> header(letter, Topics.DEAD_LETTER_REASON_HEADER))
                .containsOnly("undecodable");
        assertThat(header(unknownField, Topics.DEAD_LETTER_DETAIL_HEADER)).contains("\"extra\"");
        assertThat(header(jsonNull, Topics.DEAD_LETTER_DETAIL_HEADER)).isEqualTo("the value is JSON null");
        assertThat(acks.isEmpty()).as("no ack for either").isTrue();
    }

    @Test
    void shouldDeadLetterARecordWithoutAValue() {
        TestRecord<byte[], byte[]> letter = poisonBetweenTwoEvents("k", null, null);

        assertThat(letter.value()).isNull();
        assertThat(header(letter, Topics.DEAD_LETTER_REASON_HEADER)).isEqualTo("undecodable");
        assertThat(header(letter, Topics.DEAD_LETTER_DETAIL_HEADER)).isEqualTo("the record has no value");
    }

    @Test
    void shouldDeadLetterAnEventWhoseLoadKeyBreaksTheKeyRules() {
        String badKey = "no spaces allowed";
        TestRecord<byte[], byte[]> letter = poisonBetweenTwoEvents(badKey,
                json(new LoadEvent("p", badKey, 1)), null);

        assertThat(header(letter, Topics.DEAD_LETTER_REASON_HEADER)).isEqualTo("invalid-key");
        assertThat(header(letter, Topics.DEAD_LETTER_DETAIL_HEADER))
                .isEqualTo("load key \"no spaces allowed\" breaks the rules: a key is 1-128 characters of "
                        + "A-Z a-z 0-9 . _ : -");
        assertThat(counted(badKey)).isNull();
        assertThat(deadLettered).containsExactly(DeadLetterReason.INVALID_KEY);
    }

    @Test
    void shouldDeadLetterAnEventLongerThanTheKeyRulesAllowWithoutCountingIt() {
        String longKey = "k".repeat(129);
        TestRecord<byte[], byte[]> letter = poison(longKey, json(new LoadEvent("p", longKey, 1)), null);

        assertThat(header(letter, Topics.DEAD_LETTER_REASON_HEADER)).isEqualTo("invalid-key");
        assertThat(counted(longKey)).isNull();
    }

    @Test
    void shouldDeadLetterAnEventWhoseRecordKeyIsNotItsLoadKey() {
        TestRecord<byte[], byte[]> letter = poisonBetweenTwoEvents("k", json(new LoadEvent("p", "other", 1)), null);

        assertThat(header(letter, Topics.DEAD_LETTER_REASON_HEADER)).isEqualTo("key-mismatch");
        assertThat(header(letter, Topics.DEAD_LETTER_DETAIL_HEADER))
                .isEqualTo("record key \"k\" is not the event's load key \"other\"");
        assertThat(counted("other")).as("counted in neither key").isNull();
        assertThat(deadLettered).containsExactly(DeadLetterReason.KEY_MISMATCH);
    }

    @Test
    void shouldDeadLetterAnEventWithoutARecordKey() {
        TestRecord<byte[], byte[]> letter = poisonBetweenTwoEvents(null, json(new LoadEvent("p", "k", 1)), null);

        assertThat(letter.key()).isNull();
        assertThat(header(letter, Topics.DEAD_LETTER_REASON_HEADER)).isEqualTo("key-mismatch");
        assertThat(header(letter, Topics.DEAD_LETTER_DETAIL_HEADER))
                .isEqualTo("record key null is not the event's load key \"k\"");
    }

    @Test
    void shouldDeadLetterAnEventWhoseReplyPartitionHeaderNamesNoPartition() {
        TestRecord<byte[], byte[]> text = poisonBetweenTwoEvents("k", json(new LoadEvent("p1", "k", 1)),
                replyTo("seven"));
        TestRecord<byte[], byte[]> negative = poison("k", json(new LoadEvent("p2", "k", 1)), replyTo("-1"));
        TestRecord<byte[], byte[]> noValue = poison("k", json(new LoadEvent("p3", "k", 1)),
                new RecordHeaders().add(Topics.REPLY_PARTITION_HEADER, null));

        assertThat(List.of(text, negative, noValue))
                .extracting(letter -> header(letter, Topics.DEAD_LETTER_REASON_HEADER))
                .containsOnly("bad-reply-partition");
        assertThat(header(text, Topics.DEAD_LETTER_DETAIL_HEADER)).isEqualTo(
                "surge-reply-partition header \"seven\" names no partition (a decimal number from 0 up)");
        assertThat(header(text, Topics.REPLY_PARTITION_HEADER)).as("the original header, kept").isEqualTo("seven");
        assertThat(acks.isEmpty()).isTrue();
        assertThat(counted("k")).isEqualTo(2L);
    }

    @Test
    void shouldNotAckADeadLetterEvenWhenItCarriesAUsableReplyPartitionAndRequestId() {
        TestRecord<byte[], byte[]> letter = poison("k", json(new LoadEvent("request-1", "other", 1)), replyTo("3"));

        assertThat(header(letter, Topics.DEAD_LETTER_REASON_HEADER)).isEqualTo("key-mismatch");
        assertThat(acks.isEmpty()).as("no ack, on partition 3 or anywhere").isTrue();
    }

    @Test
    void shouldNameTheSourceRecordAndTheTimeAndKeepTheOriginalBytesAndHeaders() {
        events.pipeInput(utf8("k"), json(new LoadEvent("1", "k", 1)), T0);
        byte[] key = {(byte) 0xff, 'k'}; // not UTF-8: the copy must be byte for byte
        byte[] value = {'{', (byte) 0xc3};
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace-id", utf8("abc"));
        headers.add(Topics.DEAD_LETTER_REASON_HEADER, utf8("forged"));
        events.pipeInput(new TestRecord<>(key, value, headers, T0.plusMillis(5)));

        TestRecord<byte[], byte[]> letter = deadLetters.readRecord();
        assertThat(letter.key()).isEqualTo(key);
        assertThat(letter.value()).isEqualTo(value);
        assertThat(letter.timestamp()).as("the source record's timestamp").isEqualTo(T0.plusMillis(5).toEpochMilli());
        assertThat(header(letter, "trace-id")).isEqualTo("abc");
        assertThat(letter.headers().headers(Topics.DEAD_LETTER_REASON_HEADER)).extracting(Header::value)
                .as("only the reason counter-streams gave").containsExactly(utf8("undecodable"));
        assertThat(header(letter, Topics.DEAD_LETTER_TOPIC_HEADER)).isEqualTo("load-events");
        assertThat(header(letter, Topics.DEAD_LETTER_PARTITION_HEADER)).isEqualTo("0");
        assertThat(header(letter, Topics.DEAD_LETTER_OFFSET_HEADER)).isEqualTo("1");
        assertThat(header(letter, Topics.DEAD_LETTER_TIME_HEADER)).isEqualTo(WALL_CLOCK.toString());
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void shouldLeaveNoTraceOfADeadLetterInTheBucketsOrTheIdempotencyKeys() {
        poison("k", json(new LoadEvent("p", "k", 1, "shop", "shop/r-1")), replyTo("x"));
        events.pipeInput(utf8("k"), json(new LoadEvent("first", "k", 1, "shop", "shop/r-1")), T0.plusMillis(10));

        assertThat(acks.readValuesToList()).as("counted as the first attempt, not answered as a retry")
                .containsExactly(new CountAck("first", "k", 1, false));
        WindowStore<String, Long> recent = driver.getWindowStore(CounterTopology.RECENT_STORE);
        assertThat(recent.fetch("k", T0.toEpochMilli() - 250)).isEqualTo(1L);
    }

    @Test
    void shouldCountEveryEventAroundARunOfDeadLettersInOrder() {
        for (int i = 1; i <= 3; i++) {
            events.pipeInput(utf8("k"), json(new LoadEvent("e" + i, "k", 1)), T0);
            poison("k", utf8("garbage " + i), null);
        }

        assertThat(acks.readValuesToList()).map(CountAck.class::cast).extracting(CountAck::id, CountAck::count)
                .containsExactly(tuple("e1", 1L), tuple("e2", 2L), tuple("e3", 3L));
        assertThat(deadLettered).hasSize(3);
    }

    /**
     * A valid event, the poison record, another valid event, all on key {@code k}: checks that the two events count
     * 1 and 2 as if the poison record were not there, that exactly one dead letter comes out with the record's own
     * bytes, and returns it.
     */
    private TestRecord<byte[], byte[]> poisonBetweenTwoEvents(String key, byte[] value, Headers headers) {
        events.pipeInput(utf8("k"), json(new LoadEvent("before", "k", 1)), T0);
        TestRecord<byte[], byte[]> letter = poison(key, value, headers);
        events.pipeInput(utf8("k"), json(new LoadEvent("after", "k", 1)), T0.plusMillis(20));

        assertThat(acks.readValuesToList()).containsExactly(new CountAck("before", "k", 1),
                new CountAck("after", "k", 2));
        assertThat(counted("k")).isEqualTo(2L);
        WindowStore<String, Long> recent = driver.getWindowStore(CounterTopology.RECENT_STORE);
        assertThat(recent.fetch("k", T0.toEpochMilli() - 250)).isEqualTo(2L);
        assertThat(header(letter, Topics.DEAD_LETTER_OFFSET_HEADER)).isEqualTo("1");
        return letter;
    }

    /** Pipes one record that is not a valid event and returns its dead letter, checking its bytes are the record's. */
    private TestRecord<byte[], byte[]> poison(String key, byte[] value, Headers headers) {
        byte[] keyBytes = key == null ? null : utf8(key);
        events.pipeInput(new TestRecord<>(keyBytes, value, headers, T0.plusMillis(10)));
        List<TestRecord<byte[], byte[]>> letters = deadLetters.readRecordsToList();
        assertThat(letters).as("one dead letter per poison record").hasSize(1);
        TestRecord<byte[], byte[]> letter = letters.get(0);
        assertThat(letter.key()).isEqualTo(keyBytes);
        assertThat(letter.value()).isEqualTo(value);
        assertThat(header(letter, Topics.DEAD_LETTER_TOPIC_HEADER)).isEqualTo(Topics.LOAD_EVENTS.name());
        return letter;
    }

    private Long counted(String key) {
        return driver.<String, Long>getKeyValueStore(CounterTopology.COUNTS_STORE).get(key);
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

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        assertThat(header).as("header " + name).isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }
}
