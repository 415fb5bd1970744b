package dev.surge.ingest.simulate;

import dev.surge.common.event.LoadEvent;
import dev.surge.ingest.ack.AckInbox;
import dev.surge.ingest.ack.PendingAck;
import dev.surge.ingest.publish.EventPublisher;
import dev.surge.ingest.publish.KafkaUnavailableException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The count path of one request, without HTTP: register for the ack, publish, then wait (without blocking a thread)
 * for the count or the ack timeout, whichever comes first. The timeout runs from the moment the request arrived.
 */
public final class Ingestion {
    /** How long a client should wait before it sends again an event whose write Kafka did not confirm. */
    static final Duration RETRY_AFTER_FAILED_WRITE = Duration.ofSeconds(1);

    private final EventPublisher publisher;
    private final AckInbox inbox;
    private final Duration ackTimeout;

    public Ingestion(EventPublisher publisher, AckInbox inbox, Duration ackTimeout) {
        this.publisher = publisher;
        this.inbox = inbox;
        this.ackTimeout = ackTimeout;
    }

    public CompletableFuture<Outcome> submit(LoadEvent event, AckMode mode) {
        Optional<PendingAck> pending = mode == AckMode.COUNT ? inbox.expect(event.id()) : Optional.empty();
        pending.ifPresent(p -> p.ack().completeOnTimeout(null, ackTimeout.toMillis(), TimeUnit.MILLISECONDS));
        OptionalInt replyPartition = pending.map(p -> OptionalInt.of(p.replyPartition())).orElse(OptionalInt.empty());
        return publisher.publish(event, replyPartition).handle((written, failure) -> {
            if (failure != null) {
                pending.ifPresent(inbox::forget);
                Throwable cause = unwrap(failure);
                String reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
                return CompletableFuture.<Outcome>completedFuture(cause instanceof KafkaUnavailableException open
                        ? new Outcome.Unavailable(event, reason, open.retryAfter())
                        : new Outcome.Unconfirmed(event, reason, RETRY_AFTER_FAILED_WRITE));
            }
            if (pending.isEmpty()) {
                Outcome accepted = new Outcome.Accepted(event, mode == AckMode.DURABLE ? written : null);
                return CompletableFuture.completedFuture(accepted);
            }
            return pending.get().ack().thenApply(ack -> ack == null
                    ? new Outcome.Accepted(event, null)
                    : (Outcome) new Outcome.Counted(ack));
        }).thenCompose(outcome -> outcome);
    }

    /** The cause a future failed with, out of its {@link CompletionException} wrapping. */
    static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null
                ? unwrap(failure.getCause()) : failure;
    }

}
