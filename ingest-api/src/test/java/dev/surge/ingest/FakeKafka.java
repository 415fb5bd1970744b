package dev.surge.ingest;

import dev.surge.common.countpath.Generation;
import dev.surge.common.event.CountAck;
import dev.surge.common.event.EventRecord;
import dev.surge.common.event.EventSlice;
import dev.surge.common.event.SliceAck;
import dev.surge.common.event.LoadEvent;
import dev.surge.ingest.ack.AckInbox;
import dev.surge.ingest.ack.PendingAck;
import dev.surge.ingest.ack.PendingBatch;
import dev.surge.ingest.publish.EventPublisher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.time.Duration;
import dev.surge.ingest.publish.KafkaUnavailableException;

/**
 * Stand-ins for the Kafka side of ingest-api, for tests of the HTTP layer only. Claims about Kafka itself are
 * tested against a real broker in the integration tests.
 */
final class FakeKafka {
    private FakeKafka() {
    }

    record Published(LoadEvent event, OptionalInt replyPartition) {
    }

    /**
     * Records what was published; answers with the next offset, or with {@code failure} when set, or never when
     * {@code stall} is set (the futures wait in {@code stalled}).
     */
    static final class Publisher implements EventPublisher {
        final List<Published> published = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<Written>> stalled = new CopyOnWriteArrayList<>();
        final AtomicLong offset = new AtomicLong();
        volatile RuntimeException failure;
        volatile boolean stall;
        volatile Inbox inbox;

        /** Slices Kafka refuses (at once, not written). */
        volatile Predicate<EventSlice> refuse = slice -> false;
        /** Batch slices written, in order. */
        final List<EventSlice> slices = new CopyOnWriteArrayList<>();
        /** The generation written to: four partitions, so that batches are sliced. */
        volatile Generation generation = new Generation(1, 4);

        @Override
        public Generation writeTo() {
            return generation;
        }

        @Override
        public CompletableFuture<Written> publish(EventRecord record, Generation to, OptionalInt replyPartition) {
            if (record instanceof EventSlice slice) {
                slices.add(slice);
                if (failure != null) {
                    return CompletableFuture.failedFuture(failure);
                }
                if (refuse.test(slice)) {
                    return CompletableFuture.failedFuture(new KafkaUnavailableException("refused", Duration.ofSeconds(3)));
                }
                if (inbox != null) {
                    inbox.counted(slice);
                }
                return CompletableFuture.completedFuture(new Written(to.partitionOf(slice.recordKey()),
                        offset.getAndIncrement()));
            }
            LoadEvent event = (LoadEvent) record;
            published.add(new Published(event, replyPartition));
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            if (stall) {
                CompletableFuture<Written> never = new CompletableFuture<>();
                stalled.add(never);
                return never;
            }
            if (inbox != null) {
                inbox.counted(event);
            }
            return CompletableFuture.completedFuture(new Written(3, offset.getAndIncrement()));
        }

        @Override
        public void close() {
        }
    }

    /**
     * Owns {@code partitions}; counts each published event with {@code counter} unless it is null (no ack). Like
     * counter-streams, it counts an idempotency key once per load key and answers repeats with the first count.
     */
    static final class Inbox implements AckInbox {
        final List<PendingAck> expected = new CopyOnWriteArrayList<>();
        final Map<String, Long> firstCounts = new ConcurrentHashMap<>();
        volatile int partitions = 1;
        volatile Function<LoadEvent, Long> counter;

        void counted(LoadEvent event) {
            if (counter == null) {
                return;
            }
            CountAck ack = count(event);
            expected.stream().filter(p -> p.eventId().equals(event.id())).findFirst()
                    .ifPresent(p -> p.ack().complete(ack));
        }

        private CountAck count(LoadEvent event) {
            CountAck ack;
            Long first = event.idempotencyKey() == null ? null
                    : firstCounts.get(event.key() + "\u0000" + event.idempotencyKey());
            if (first != null) {
                ack = new CountAck(event.id(), event.key(), first, true);
            } else {
                ack = new CountAck(event.id(), event.key(), counter.apply(event));
                if (event.idempotencyKey() != null) {
                    firstCounts.put(event.key() + "\u0000" + event.idempotencyKey(), ack.count());
                }
            }
            return ack;
        }

        final List<PendingBatch> batches = new CopyOnWriteArrayList<>();

        void counted(EventSlice slice) {
            if (counter == null) {
                return;
            }
            List<Long> counts = new ArrayList<>();
            List<Integer> duplicates = new ArrayList<>();
            for (int i = 0; i < slice.size(); i++) {
                CountAck ack = count(new LoadEvent(slice.eventId(i), slice.events().get(i).key(), slice.receivedAt(),
                        slice.client(), slice.events().get(i).idempotencyKey()));
                counts.add(ack.count());
                if (ack.duplicate()) {
                    duplicates.add(slice.positions().get(i));
                }
            }
            SliceAck ack = new SliceAck(slice.batch(), slice.positions(), counts, duplicates);
            batches.stream().filter(b -> b.batchId().equals(slice.batch())).findFirst().ifPresent(b -> b.counted(ack));
        }

        @Override
        public Optional<PendingBatch> expectBatch(String batchId, int events) {
            if (partitions == 0) {
                return Optional.empty();
            }
            PendingBatch pending = new PendingBatch(batchId, partitions - 1, events);
            batches.add(pending);
            return Optional.of(pending);
        }

        @Override
        public Optional<PendingAck> expect(String eventId) {
            if (partitions == 0) {
                return Optional.empty();
            }
            PendingAck pending = new PendingAck(eventId, partitions - 1, new CompletableFuture<>());
            expected.add(pending);
            return Optional.of(pending);
        }

        @Override
        public void forget(PendingAck pending) {
            pending.ack().complete(null);
        }

        @Override
        public List<Integer> ownedPartitions() {
            return IntStream.range(0, partitions).boxed().toList();
        }

        @Override
        public void close() {
        }
    }
}
