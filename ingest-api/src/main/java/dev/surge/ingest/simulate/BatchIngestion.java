package dev.surge.ingest.simulate;

import dev.surge.common.countpath.Generation;
import dev.surge.common.event.EventSlice;
import dev.surge.ingest.ack.AckInbox;
import dev.surge.ingest.ack.PendingBatch;
import dev.surge.ingest.publish.EventPublisher;
import dev.surge.ingest.publish.EventPublisher.Written;
import dev.surge.ingest.publish.KafkaUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The count path of one batch, without HTTP: slices it by the partition each event's key hashes to in the
 * generation that takes new events, registers for the slices' acks, writes every slice (one Kafka record each) and
 * waits, without blocking a thread, for every written event's count or the ack timeout, whichever comes first. The
 * timeout runs from the moment the batch arrived. A slice Kafka did not take is reported event by event; the others
 * are counted as usual.
 */
public final class BatchIngestion {
    private final EventPublisher publisher;
    private final AckInbox inbox;
    private final Duration ackTimeout;

    public BatchIngestion(EventPublisher publisher, AckInbox inbox, Duration ackTimeout) {
        this.publisher = publisher;
        this.inbox = inbox;
        this.ackTimeout = ackTimeout;
    }

    private record SliceWrite(EventSlice slice, Written written, Throwable failure) {
    }

    public CompletableFuture<BatchOutcome> submit(EventBatch batch, AckMode mode) {
        Generation generation = publisher.writeTo();
        List<EventSlice> slices = batch.slice(generation);
        Optional<PendingBatch> pending = mode == AckMode.COUNT ? inbox.expectBatch(batch.id(), batch.size())
                : Optional.empty();
        pending.ifPresent(p -> p.done().completeOnTimeout(null, ackTimeout.toMillis(), TimeUnit.MILLISECONDS));
        OptionalInt replyPartition = pending.map(p -> OptionalInt.of(p.replyPartition())).orElse(OptionalInt.empty());
        List<CompletableFuture<SliceWrite>> writes = new ArrayList<>(slices.size());
        for (EventSlice slice : slices) {
            writes.add(publisher.publish(slice, generation, replyPartition).handle((written, failure) -> {
                if (failure != null) {
                    pending.ifPresent(p -> p.notExpected(slice.positions()));
                }
                return new SliceWrite(slice, written, failure == null ? null : Ingestion.unwrap(failure));
            }));
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenCompose(all -> {
            List<SliceWrite> written = writes.stream().map(CompletableFuture::join).toList();
            if (pending.isEmpty()) {
                return CompletableFuture.completedFuture(outcome(batch, written, null, mode));
            }
            PendingBatch counting = pending.get();
            if (written.stream().allMatch(w -> w.failure() != null)) {
                counting.release();
            }
            return counting.done().thenApply(done -> outcome(batch, written, counting.counts(), mode));
        });
    }

    private static BatchOutcome outcome(EventBatch batch, List<SliceWrite> writes, PendingBatch.Counts counts,
                                        AckMode mode) {
        BatchOutcome.Result[] results = new BatchOutcome.Result[batch.size()];
        Duration retryAfter = null;
        for (SliceWrite write : writes) {
            BatchOutcome.Result failed = null;
            if (write.failure() != null) {
                boolean refused = write.failure() instanceof KafkaUnavailableException;
                Duration wait = refused ? ((KafkaUnavailableException) write.failure()).retryAfter()
                        : Ingestion.RETRY_AFTER_FAILED_WRITE;
                retryAfter = retryAfter == null || wait.compareTo(retryAfter) > 0 ? wait : retryAfter;
                failed = new BatchOutcome.Result(refused ? BatchOutcome.Status.UNAVAILABLE
                        : BatchOutcome.Status.UNCONFIRMED, 0, null);
            }
            for (int position : write.slice().positions()) {
                if (failed != null) {
                    results[position] = failed;
                } else if (counts != null && counts.counts()[position] > 0) {
                    results[position] = new BatchOutcome.Result(counts.duplicate()[position]
                            ? BatchOutcome.Status.DUPLICATE : BatchOutcome.Status.COUNTED,
                            counts.counts()[position], null);
                } else {
                    results[position] = new BatchOutcome.Result(BatchOutcome.Status.ACCEPTED, 0,
                            mode == AckMode.DURABLE ? write.written() : null);
                }
            }
        }
        return new BatchOutcome(batch, List.of(results), retryAfter);
    }
}
