package dev.surge.common.serde;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes records in Surge's compact binary format ({@link CompactBytes}) and reads both that and JSON: a value whose
 * first byte is {@link #FORMAT} is compact (no JSON text starts with that control character), anything else goes to
 * the JSON serde, so records written as JSON (before this format, or by any other producer) still read the same and
 * fail with the same messages. Bad bytes become a {@link SerializationException} naming the type and topic.
 */
public final class CompactSerde<T> implements Serde<T> {
    /** The first byte of every compact record: the format's version. */
    public static final byte FORMAT = 1;

    /** How one type is written and read after the format byte. */
    public interface Codec<T> {
        /** A size to start the writer at; writing grows it as needed. */
        int expectedSize(T value);

        void write(T value, CompactBytes.Writer out);

        /** Reads one value, throwing {@link IllegalArgumentException} (or any runtime exception) on bad bytes. */
        T read(CompactBytes.Reader in);
    }

    private final Class<T> type;
    private final Codec<T> codec;
    private final JsonSerde<T> json;

    public CompactSerde(Class<T> type, Codec<T> codec) {
        this.type = type;
        this.codec = codec;
        this.json = new JsonSerde<>(type);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            CompactBytes.Writer out = new CompactBytes.Writer(codec.expectedSize(value) + 1);
            out.write(FORMAT);
            codec.write(value, out);
            return out.toByteArray();
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        Deserializer<T> fromJson = json.deserializer();
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            if (bytes.length == 0 || bytes[0] != FORMAT) {
                return fromJson.deserialize(topic, bytes);
            }
            try {
                CompactBytes.Reader in = new CompactBytes.Reader(bytes);
                in.read();
                T value = codec.read(in);
                in.end();
                return value;
            } catch (RuntimeException e) {
                throw new SerializationException("Bad compact " + type.getSimpleName() + " on topic " + topic + " ("
                        + bytes.length + " bytes): " + e.getMessage(), e);
            }
        };
    }
}
