package dev.surge.common.event;

import dev.surge.common.serde.CompactBytes;
import dev.surge.common.serde.CompactSerde;
import java.util.ArrayList;
import java.util.List;

/**
 * The compact binary form of the count path's records (what ingest-api writes to the events topics and
 * counter-streams to {@code load-acks}), after {@link CompactSerde}'s format byte: a type byte, then the fields in
 * the order of the record's components, strings and integers as {@link CompactBytes} writes them. Written instead of
 * JSON because reading it (Jackson deduces the type from the fields, buffering the record's tokens to do so) and
 * writing it through databind took about a tenth of counter-streams' and of ingest-api's CPU samples under batch load
 * (BENCHMARKS.md, "Batches: where the time goes"); JSON records are still read.
 *
 * <ul>
 *   <li>{@link LoadEvent}: 1, id, key, receivedAt (signed), client, idempotencyKey</li>
 *   <li>{@link EventSlice}: 2, batch, receivedAt (signed), client, n, then n times: position, key,
 *       idempotencyKey</li>
 *   <li>{@link CountAck}: 1, id, key, count, duplicate (0 or 1)</li>
 *   <li>{@link SliceAck}: 2, batch, n, then n times: position, count; then d, and d duplicate positions</li>
 * </ul>
 */
public final class CompactRecords {
    private static final int EVENT = 1;
    private static final int SLICE = 2;
    private static final int COUNT_ACK = 1;
    private static final int SLICE_ACK = 2;

    /** Events topics' values. */
    public static final CompactSerde.Codec<EventRecord> EVENTS = new CompactSerde.Codec<>() {
        @Override
        public int expectedSize(EventRecord value) {
            return 64 + 24 * value.size();
        }

        @Override
        public void write(EventRecord value, CompactBytes.Writer out) {
            if (value instanceof LoadEvent event) {
                out.write(EVENT).string(event.id()).string(event.key()).signedVarlong(event.receivedAt())
                        .string(event.client()).string(event.idempotencyKey());
            } else if (value instanceof EventSlice slice) {
                out.write(SLICE).string(slice.batch()).signedVarlong(slice.receivedAt()).string(slice.client())
                        .varlong(slice.size());
                for (int i = 0; i < slice.size(); i++) {
                    EventSlice.Item item = slice.events().get(i);
                    out.varlong(slice.positions().get(i)).string(item.key()).string(item.idempotencyKey());
                }
            }
        }

        @Override
        public EventRecord read(CompactBytes.Reader in) {
            int type = in.read();
            if (type == EVENT) {
                return new LoadEvent(in.string(), in.string(), in.signedVarlong(), in.string(), in.string());
            }
            if (type != SLICE) {
                throw new IllegalArgumentException("unknown event record type " + type);
            }
            String batch = in.string();
            long receivedAt = in.signedVarlong();
            String client = in.string();
            int size = in.count();
            List<Integer> positions = new ArrayList<>(size);
            List<EventSlice.Item> events = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                positions.add(in.varint());
                events.add(new EventSlice.Item(in.string(), in.string()));
            }
            return new EventSlice(batch, receivedAt, client, positions, events);
        }
    };

    /** {@code load-acks} values. */
    public static final CompactSerde.Codec<AckRecord> ACKS = new CompactSerde.Codec<>() {
        @Override
        public int expectedSize(AckRecord value) {
            return value instanceof SliceAck slice ? 48 + 6 * slice.counts().size() : 64;
        }

        @Override
        public void write(AckRecord value, CompactBytes.Writer out) {
            if (value instanceof CountAck ack) {
                out.write(COUNT_ACK).string(ack.id()).string(ack.key()).varlong(ack.count())
                        .write(ack.duplicate() ? 1 : 0);
            } else if (value instanceof SliceAck ack) {
                out.write(SLICE_ACK).string(ack.batch()).varlong(ack.positions().size());
                for (int i = 0; i < ack.positions().size(); i++) {
                    out.varlong(ack.positions().get(i)).varlong(ack.counts().get(i));
                }
                out.varlong(ack.duplicates().size());
                ack.duplicates().forEach(out::varlong);
            }
        }

        @Override
        public AckRecord read(CompactBytes.Reader in) {
            int type = in.read();
            if (type == COUNT_ACK) {
                String id = in.string();
                String key = in.string();
                long count = in.varlong();
                int duplicate = in.read();
                if (duplicate > 1) {
                    throw new IllegalArgumentException("the duplicate flag is 0 or 1, not " + duplicate);
                }
                return new CountAck(id, key, count, duplicate == 1);
            }
            if (type != SLICE_ACK) {
                throw new IllegalArgumentException("unknown ack record type " + type);
            }
            String batch = in.string();
            int size = in.count();
            List<Integer> positions = new ArrayList<>(size);
            List<Long> counts = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                positions.add(in.varint());
                counts.add(in.varlong());
            }
            int duplicates = in.count();
            List<Integer> duplicated = new ArrayList<>(duplicates);
            for (int i = 0; i < duplicates; i++) {
                duplicated.add(in.varint());
            }
            return new SliceAck(batch, positions, counts, duplicated);
        }
    };

    private CompactRecords() {
    }
}
