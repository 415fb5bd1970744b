package dev.surge.ingest.simulate;

import dev.surge.common.countpath.Generation;
import dev.surge.common.event.CountAck;
import dev.surge.common.event.EventSlice;
import dev.surge.common.event.LoadEvent;
import dev.surge.ingest.ack.AckInbox;
import dev.surge.ingest.ack.PendingBatch;
import dev.surge.ingest.publish.EventPublisher;
import dev.surge.ingest.publish.KafkaUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Writes the count-mode events of concurrent {@code POST /simulate} requests that fall in one partition as one batch
 * slice ({@link EventSlice}) instead of one record each: Kafka's costs are per record and per request (ingest-api's
 * producer, the broker, counter-streams' processing, its ack), and a slice of {@code n} events costs about what one
 * event does, with one ack carrying every count (BENCHMARKS.md, "Coalescing single events").
 *
 * <p>No event waits for a timer. Per partition of the generation that takes new events, at most one slice is being
 * written at a time: an event that finds its partition idle is written at once, alone; events that arrive while a
 * write is under way wait for it to be confirmed and then go out together, at most {@code maxSlice} per slice. An idle
 * stack therefore answers as fast as without coalescing, and under load the slices grow with the load.
 *
 * <p>Each event keeps what a single event has: its own running count and idempotency key (counter-streams counts a
 * slice event by event, in order), its own answer, its ack timeout from its own arrival. Its id is the slice's,
 * {@code <batch>:<position>}, as for an event of {@code POST /simulate/batch}: that is how the event is known in
 * Kafka.
 */
public final class EventCoalescer {
    private final EventPublisher publisher;
    private final AckInbox inbox;
    private final Duration ackTimeout;
    private final int maxSlice;
    private final Map<Lane.Key, Lane> lanes = new ConcurrentHashMap<>();

    public EventCoalescer(EventPublisher publisher, AckInbox inbox, Duration ackTimeout, int maxSlice) {
        if (maxSlice < 1) {
            throw new IllegalArgumentException("maxSlice should be at least 1 but was " + maxSlice);
        }
        this.publisher = publisher;
        this.inbox = inbox;
        this.ackTimeout = ackTimeout;
        this.maxSlice = maxSlice;
    }

    /** One event waiting to be written or counted; {@code outcome} completes once. */
    private record Waiting(LoadEvent event, long arrivedNanos, CompletableFuture<Outcome> outcome) {
    }

    /** The events of one partition of one generation, and whether a slice of them is being written now. */
    private static final class Lane {
        record Key(String topic, int partition) {
        }

        final Generation generation;
        final List<Waiting> queue = new ArrayList<>();
        boolean writing;

        Lane(Generation generation) {
            this.generation = generation;
        }
    }

    /** Writes {@code event} (alone or in a slice), then completes with its count or what kept it from one. */
    public CompletableFuture<Outcome> submit(LoadEvent event) {
        Generation generation = publisher.writeTo();
        Lane lane = lanes.computeIfAbsent(new Lane.Key(generation.eventsTopic(), generation.partitionOf(event.key())),
                key -> new Lane(generation));
        Waiting waiting = new Waiting(event, System.nanoTime(), new CompletableFuture<>());
        boolean writeNow;
        synchronized (lane) {
            lane.queue.add(waiting);
            writeNow = !lane.writing;
            lane.writing = true;
        }
        if (writeNow) {
            writeNext(lane);
        }
        return waiting.outcome();
    }

    /** Takes what waits in {@code lane} (up to {@link #maxSlice}) and writes it; marks the lane idle if nothing. */
    private void writeNext(Lane lane) {
        List<Waiting> slice;
        synchronized (lane) {
            if (lane.queue.isEmpty()) {
                lane.writing = false;
                return;
            }
            int size = Math.min(maxSlice, lane.queue.size());
            List<Waiting> head = lane.queue.subList(0, size);
            slice = List.copyOf(head);
            head.clear();
        }
        try {
            write(lane, slice);
        } catch (RuntimeException e) {
            // nothing was handed to Kafka: these events are refused, and the lane must not stay marked busy
            failed(null, slice, new KafkaUnavailableException("Kafka refused the write: " + e, Ingestion.RETRY_AFTER_FAILED_WRITE));
            writeNext(lane);
        }
    }

    private void write(Lane lane, List<Waiting> events) {
        String batch = UUID.randomUUID().toString();
        List<Integer> positions = new ArrayList<>(events.size());
        List<EventSlice.Item> items = new ArrayList<>(events.size());
        String client = events.get(0).event().client();
        for (int i = 0; i < events.size(); i++) {
            LoadEvent event = events.get(i).event();
            positions.add(i);
            items.add(new EventSlice.Item(event.key(), event.idempotencyKey()));
            if (!Objects.equals(client, event.client())) {
                client = null; // events of several clients: the slice names none
            }
        }
        EventSlice slice = new EventSlice(batch, events.get(0).event().receivedAt(), client, positions, items);
        Optional<PendingBatch> pending = inbox.expectBatch(batch, events.size());
        // the oldest event's ack timeout bounds the wait of the whole slice: no event waits past its own
        long waited = System.nanoTime() - events.get(0).arrivedNanos();
        long timeoutMs = Math.max(0, ackTimeout.toMillis() - TimeUnit.NANOSECONDS.toMillis(waited));
        pending.ifPresent(p -> p.done().completeOnTimeout(null, timeoutMs, TimeUnit.MILLISECONDS));
        OptionalInt replyPartition = pending.map(p -> OptionalInt.of(p.replyPartition())).orElse(OptionalInt.empty());
        publisher.publish(slice, lane.generation, replyPartition).whenComplete((written, failure) -> {
            writeNext(lane); // this partition's next slice goes out now, whatever became of this one
            if (failure != null) {
                pending.ifPresent(PendingBatch::release);
                failed(slice, events, Ingestion.unwrap(failure));
            } else if (pending.isEmpty()) {
                for (int i = 0; i < events.size(); i++) {
                    events.get(i).outcome().complete(new Outcome.Accepted(withId(slice, i, events), null));
                }
            } else {
                pending.get().done().whenComplete((done, error) -> counted(slice, events, pending.get().counts()));
            }
        });
    }

    private static void counted(EventSlice slice, List<Waiting> events, PendingBatch.Counts counts) {
        for (int i = 0; i < events.size(); i++) {
            LoadEvent event = withId(slice, i, events);
            long count = counts.counts()[i];
            events.get(i).outcome().complete(count > 0
                    ? new Outcome.Counted(new CountAck(event.id(), event.key(), count, counts.duplicate()[i]))
                    : new Outcome.Accepted(event, null));
        }
    }

    /** Every event of {@code events} failed with {@code cause}; {@code slice} null when none was made of them. */
    private static void failed(EventSlice slice, List<Waiting> events, Throwable cause) {
        String reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        for (int i = 0; i < events.size(); i++) {
            LoadEvent event = slice == null ? events.get(i).event() : withId(slice, i, events);
            events.get(i).outcome().complete(cause instanceof KafkaUnavailableException refused
                    ? new Outcome.Unavailable(event, reason, refused.retryAfter())
                    : new Outcome.Unconfirmed(event, reason, Ingestion.RETRY_AFTER_FAILED_WRITE));
        }
    }

    /** The event at {@code index} as Kafka knows it: its id is the slice's {@code <batch>:<position>}. */
    private static LoadEvent withId(EventSlice slice, int index, List<Waiting> events) {
        LoadEvent event = events.get(index).event();
        return new LoadEvent(slice.eventId(index), event.key(), event.receivedAt(), event.client(),
                event.idempotencyKey());
    }
}
