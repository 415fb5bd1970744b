package dev.surge.common.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.surge.common.event.CountAck;
import dev.surge.common.event.LoadEvent;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonSerdeTest {
    private final JsonSerde<LoadEvent> events = new JsonSerde<>(LoadEvent.class);
    private final JsonSerde<CountAck> acks = new JsonSerde<>(CountAck.class);

    @Test
    void shouldRoundTripEventsAndAcks() {
        LoadEvent event = new LoadEvent("e-1", "checkout", 1_700_000_000_000L);
        CountAck ack = new CountAck("e-1", "checkout", 42);

        assertThat(events.deserializer().deserialize("t", events.serializer().serialize("t", event))).isEqualTo(event);
        assertThat(acks.deserializer().deserialize("t", acks.serializer().serialize("t", ack))).isEqualTo(ack);
    }

    @Test
    void shouldRoundTripIdempotentEventsAndDuplicateAcks() {
        LoadEvent event = new LoadEvent("e-2", "checkout", 9, "shop-a", "shop-a/retry-1");
        CountAck duplicate = new CountAck("e-2", "checkout", 3, true);

        assertThat(events.deserializer().deserialize("t", events.serializer().serialize("t", event))).isEqualTo(event);
        assertThat(acks.deserializer().deserialize("t", acks.serializer().serialize("t", duplicate)))
                .isEqualTo(duplicate);
    }

    @Test
    void shouldReadAnAckWithoutTheDuplicateFlagAsNewlyCounted() {
        byte[] json = "{\"id\":\"e\",\"key\":\"k\",\"count\":2}".getBytes(StandardCharsets.UTF_8);

        assertThat(acks.deserializer().deserialize("t", json)).isEqualTo(new CountAck("e", "k", 2, false));
    }

    @Test
    void shouldWriteTheDocumentedEventShape() {
        byte[] json = events.serializer().serialize("t", new LoadEvent("e-1", "k", 5));

        assertThat(new String(json, StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"e-1\",\"key\":\"k\",\"receivedAt\":5}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "{\"id\":\"e\"}", "{\"id\":\"e\",\"key\":\"k\",\"receivedAt\":1} trailing",
            "[]", "{\"id\":\"e\",\"key\":\"k\",\"count\":0}"})
    void shouldTurnBadBytesIntoSerializationException(String bad) {
        byte[] bytes = bad.getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> acks.deserializer().deserialize("load-acks", bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("CountAck")
                .hasMessageContaining("load-acks");
    }

    @Test
    void shouldPassNullsThroughAsTombstones() {
        assertThat(events.serializer().serialize("t", null)).isNull();
        assertThat(events.deserializer().deserialize("t", null)).isNull();
    }
}
