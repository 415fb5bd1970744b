package dev.surge.ingest;

import dev.surge.common.event.CountAck;
import dev.surge.common.event.LoadEvent;
import dev.surge.ingest.ack.AckInbox;
import dev.surge.ingest.ack.PendingAck;
import dev.surge.ingest.publish.EventPublisher;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

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

        @Override
        public CompletableFuture<Written> publish(LoadEvent event, OptionalInt replyPartition) {
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
            expected.stream().filter(p -> p.eventId().equals(event.id())).findFirst()
                    .ifPresent(p -> p.ack().complete(ack));
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
        public int ownedPartitions() {
            return partitions;
        }

        @Override
        public void close() {
        }
    }
}
