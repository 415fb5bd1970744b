package dev.surge.common.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.surge.common.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

/** The records of the events and acks topics: single events and batch slices, told apart by their fields. */
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
    void shouldKeepTheEventShapeOfBeforeBatches() {
        byte[] json = "{\"id\":\"e-1\",\"key\":\"k\",\"receivedAt\":5}".getBytes(StandardCharsets.UTF_8);

        assertThat(READ_EVENTS.deserialize("t", json)).isEqualTo(new LoadEvent("e-1", "k", 5));
        assertThat(new String(WRITE_EVENTS.serialize("t", new LoadEvent("e-1", "k", 5)), StandardCharsets.UTF_8))
                .isEqualTo("{\"id\":\"e-1\",\"key\":\"k\",\"receivedAt\":5}");
    }

    @Test
    void shouldReadAnAckAsAnAckAndASliceAckAsASliceAck() {
        CountAck ack = new CountAck("e-1", "checkout", 7, true);
        SliceAck sliceAck = new SliceAck("b-1", List.of(3, 1), List.of(4L, 9L), List.of(1));
        SliceAck noDuplicates = new SliceAck("b-1", List.of(0), List.of(1L), List.of());

        assertThat(READ_ACKS.deserialize("t", WRITE_ACKS.serialize("t", ack))).isEqualTo(ack);
        assertThat(READ_ACKS.deserialize("t", WRITE_ACKS.serialize("t", sliceAck))).isEqualTo(sliceAck);
        assertThat(new String(WRITE_ACKS.serialize("t", noDuplicates), StandardCharsets.UTF_8))
                .isEqualTo("{\"batch\":\"b-1\",\"positions\":[0],\"counts\":[1]}");
        assertThat(READ_ACKS.deserialize("t", WRITE_ACKS.serialize("t", noDuplicates))).isEqualTo(noDuplicates);
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
