package dev.surge.common.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.surge.common.serde.CompactSerde;
import dev.surge.common.serde.JsonSerde;
import dev.surge.common.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

/**
 * The records of the events and acks topics: single events and batch slices, written compact, JSON read too.
 */
class EventRecordsTest {
    private static final Serializer<EventRecord> WRITE_EVENTS = Topics.LOAD_EVENTS.valueSerde().serializer();
    private static final Deserializer<EventRecord> READ_EVENTS = Topics.LOAD_EVENTS.valueSerde().deserializer();
    private static final Serializer<AckRecord> WRITE_ACKS = Topics.LOAD_ACKS.valueSerde().serializer();
    private static final Deserializer<AckRecord> READ_ACKS = Topics.LOAD_ACKS.valueSerde().deserializer();

    @Test
    void shouldReadAnEventAsAnEventAndASliceAsASlice() {
        LoadEvent event = new LoadEvent("e-1", "checkout", 5, "shop", "shop/k1");
        EventSlice slice = new EventSlice("b-1", 5, "shop", List.of(0, 2),
                List.of(new EventSlice.Item("checkout", null), new EventSlice.Item("checkout", "shop/k2")));

        assertThat(READ_EVENTS.deserialize("t", WRITE_EVENTS.serialize("t", event))).isEqualTo(event);
        assertThat(READ_EVENTS.deserialize("t", WRITE_EVENTS.serialize("t", slice))).isEqualTo(slice);
    }

    @Test
    void shouldStillReadEventsAndAcksWrittenAsJson() {
        byte[] event = "{\"id\":\"e-1\",\"key\":\"k\",\"receivedAt\":5}".getBytes(StandardCharsets.UTF_8);
        byte[] sliceAck = "{\"batch\":\"b-1\",\"positions\":[0],\"counts\":[1]}".getBytes(StandardCharsets.UTF_8);
        EventSlice slice = sliceInOnePartition(12, 3);
        byte[] sliceJson = new JsonSerde<>(EventRecord.class).serializer().serialize("t", slice);

        assertThat(READ_EVENTS.deserialize("t", event)).isEqualTo(new LoadEvent("e-1", "k", 5));
        assertThat(READ_EVENTS.deserialize("t", sliceJson)).isEqualTo(slice);
        assertThat(READ_ACKS.deserialize("t", sliceAck)).isEqualTo(new SliceAck("b-1", List.of(0), List.of(1L),
                List.of()));
    }

    @Test
    void shouldWriteEveryRecordCompactAndSmallerThanItsJson() {
        List<Object> records = List.of(new LoadEvent("e-1", "checkout", 1_796_000_000_000L, "shop", "shop/k1"),
                sliceInOnePartition(12, 40), new CountAck("e-1", "checkout", 123_456, false),
                new SliceAck("b-1", List.of(3, 1, 7), List.of(4L, 9L, 1_000_000L), List.of(1)));
        for (Object record : records) {
            byte[] compact = record instanceof EventRecord event ? WRITE_EVENTS.serialize("t", event)
                    : WRITE_ACKS.serialize("t", (AckRecord) record);
            byte[] json = record instanceof EventRecord event
                    ? new JsonSerde<>(EventRecord.class).serializer().serialize("t", event)
                    : new JsonSerde<>(AckRecord.class).serializer().serialize("t", (AckRecord) record);

            assertThat(compact[0]).as("%s", record).isEqualTo(CompactSerde.FORMAT);
            assertThat(compact.length).as("%s", record).isLessThan(json.length);
            assertThat(record instanceof EventRecord ? READ_EVENTS.deserialize("t", compact)
                    : READ_ACKS.deserialize("t", compact)).isEqualTo(record);
        }
    }

    @Test
    void shouldRefuseCompactRecordsThatAreCutShortPaddedOrOfAnUnknownType() {
        byte[] event = WRITE_EVENTS.serialize("t", new LoadEvent("e-1", "k", 5));
        byte[] slice = WRITE_EVENTS.serialize("t", sliceInOnePartition(12, 3));
        byte[] ack = WRITE_ACKS.serialize("t", new SliceAck("b-1", List.of(0, 1), List.of(1L, 2L), List.of()));
        byte[] padded = Arrays.copyOf(event, event.length + 1);
        byte[] unknownType = event.clone();
        unknownType[1] = 9;
        byte[] hugeCount = {CompactSerde.FORMAT, 2, 2, 'b', 2, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F};

        for (byte[] bad : List.of(Arrays.copyOf(event, event.length - 1), Arrays.copyOf(slice, slice.length / 2),
                padded, unknownType, hugeCount, new byte[] {CompactSerde.FORMAT})) {
            assertThatThrownBy(() -> READ_EVENTS.deserialize("load-events", bad)).as(Arrays.toString(bad))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("load-events");
        }
        assertThatThrownBy(() -> READ_ACKS.deserialize("load-acks", Arrays.copyOf(ack, ack.length - 2)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("compact AckRecord");
    }

    @Test
    void shouldRefuseSlicesThatDoNotHoldTogether() {
        for (String bad : List.of(
                "{\"batch\":\"b\",\"receivedAt\":1,\"positions\":[],\"events\":[]}",
                "{\"batch\":\"b\",\"receivedAt\":1,\"positions\":[0,1],\"events\":[{\"key\":\"a\"}]}",
                "{\"batch\":\"b\",\"receivedAt\":1,\"positions\":[1,1],\"events\":[{\"key\":\"a\"},{\"key\":\"a\"}]}",
                "{\"batch\":\"b\",\"receivedAt\":1,\"positions\":[-1],\"events\":[{\"key\":\"a\"}]}",
                "{\"batch\":\"b\",\"id\":\"e\",\"key\":\"k\",\"receivedAt\":1}",
                "{\"receivedAt\":1}")) {
            byte[] bytes = bad.getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> READ_EVENTS.deserialize("load-events", bytes)).as(bad)
                    .isInstanceOf(SerializationException.class);
        }
    }

    @Test
    void shouldPassAValidSliceWhoseKeysShareOnePartition() {
        EventSlice slice = sliceInOnePartition(12, 5);

        EventCheck.Verdict verdict = EventCheck.check("load-events", 12, bytes(slice.recordKey()),
                WRITE_EVENTS.serialize("t", slice), null);

        assertThat(verdict).isEqualTo(new EventCheck.Valid(slice));
    }

    @Test
    void shouldSendASliceAcrossPartitionsToTheDeadLetters() {
        String first = "a";
        String other = keyNotIn(LoadKey.partition(first, 12), 12);
        EventSlice slice = new EventSlice("b", 1, null, List.of(0, 1),
                List.of(new EventSlice.Item(first, null), new EventSlice.Item(other, null)));

        EventCheck.Verdict verdict = EventCheck.check("load-events", 12, bytes(first),
                WRITE_EVENTS.serialize("t", slice), null);

        assertThat(verdict).isInstanceOfSatisfying(EventCheck.Invalid.class, invalid -> {
            assertThat(invalid.reason()).isEqualTo(DeadLetterReason.SPLIT_SLICE);
            assertThat(invalid.detail()).contains("slice event 1").contains(other);
        });
    }

    @Test
    void shouldNameTheSliceEventWithABadKeyAndAMismatchedRecordKey() {
        EventSlice badKey = new EventSlice("b", 1, null, List.of(0, 1),
                List.of(new EventSlice.Item("a", null), new EventSlice.Item("no spaces", null)));
        EventSlice slice = sliceInOnePartition(1, 2);

        assertThat(EventCheck.check("t", 1, bytes("a"), WRITE_EVENTS.serialize("t", badKey), null))
                .isInstanceOfSatisfying(EventCheck.Invalid.class, invalid -> {
                    assertThat(invalid.reason()).isEqualTo(DeadLetterReason.INVALID_KEY);
                    assertThat(invalid.detail()).contains("slice event 1");
                });
        assertThat(EventCheck.check("t", 1, bytes("someone-else"), WRITE_EVENTS.serialize("t", slice), null))
                .isInstanceOfSatisfying(EventCheck.Invalid.class, invalid ->
                        assertThat(invalid.reason()).isEqualTo(DeadLetterReason.KEY_MISMATCH));
    }

    /** A slice of {@code size} distinct keys that all hash to the partition of its first key. */
    static EventSlice sliceInOnePartition(int partitions, int size) {
        List<EventSlice.Item> items = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        int partition = LoadKey.partition("k-0", partitions);
        for (int i = 0; items.size() < size; i++) {
            if (LoadKey.partition("k-" + i, partitions) == partition) {
                positions.add(items.size() * 2);
                items.add(new EventSlice.Item("k-" + i, null));
            }
        }
        return new EventSlice("b-7", 1_000, "client", positions, items);
    }

    private static String keyNotIn(int partition, int partitions) {
        for (int i = 0; ; i++) {
            if (LoadKey.partition("x-" + i, partitions) != partition) {
                return "x-" + i;
            }
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
