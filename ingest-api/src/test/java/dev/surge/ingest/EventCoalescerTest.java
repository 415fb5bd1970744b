package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.common.countpath.Generation;
import dev.surge.common.event.EventRecord;
import dev.surge.common.event.EventSlice;
import dev.surge.common.event.LoadEvent;
import dev.surge.ingest.publish.EventPublisher;
import dev.surge.ingest.publish.KafkaUnavailableException;
import dev.surge.ingest.simulate.EventCoalescer;
import dev.surge.ingest.simulate.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link EventCoalescer}: which events share a record, and what each one's request is answered. */
class EventCoalescerTest {
    /** One partition, so that every event of these tests falls in the same one. */
    private static final Generation ONE_PARTITION = new Generation(1, 1);

    /** Holds every write until the test confirms, fails or lets it through. */
    private static final class HeldPublisher implements EventPublisher {
        record Write(EventSlice slice, CompletableFuture<Written> written) {
        }

        final List<Write> writes = new CopyOnWriteArrayList<>();
        final AtomicLong offset = new AtomicLong();
        volatile FakeKafka.Inbox inbox;
        volatile RuntimeException throwOnPublish;

        @Override
        public Generation writeTo() {
            return ONE_PARTITION;
        }

        @Override
        public CompletableFuture<Written> publish(EventRecord record, Generation to, OptionalInt replyPartition) {
            if (throwOnPublish != null) {
                throw throwOnPublish;
            }
            Write write = new Write((EventSlice) record, new CompletableFuture<>());
            writes.add(write);
            return write.written();
        }

        /** Kafka confirms write {@code index}; counter-streams then counts it. */
        void confirm(int index) {
            Write write = writes.get(index);
            write.written().complete(new Written(0, offset.getAndIncrement()));
            inbox.counted(write.slice());
        }

        @Override
        public void close() {
        }
    }

    private final HeldPublisher publisher = new HeldPublisher();
    private final FakeKafka.Inbox inbox = new FakeKafka.Inbox();
    private final AtomicLong count = new AtomicLong();
    private EventCoalescer coalescer;

    @BeforeEach
    void setUp() {
        inbox.counter = event -> count.incrementAndGet();
        publisher.inbox = inbox;
        coalescer = new EventCoalescer(publisher, inbox, Duration.ofSeconds(30), 3);
    }

    private static LoadEvent event(String key) {
        return new LoadEvent("request-" + key, key, 1_000L, "client-a", null);
    }

    @Test
    void shouldWriteAnEventThatFindsItsPartitionIdleAtOnceAndAlone() {
        CompletableFuture<Outcome> outcome = coalescer.submit(event("a"));

        assertThat(publisher.writes).hasSize(1);
        assertThat(publisher.writes.get(0).slice().events()).extracting(EventSlice.Item::key).containsExactly("a");
        publisher.confirm(0);
        assertThat(outcome).isCompletedWithValueMatching(o -> o instanceof Outcome.Counted counted
                && counted.ack().count() == 1 && counted.ack().id().equals(publisher.writes.get(0).slice().eventId(0)));
    }

    @Test
    void shouldWriteEventsThatArriveDuringAWriteTogetherOnceItIsConfirmedEachWithItsOwnCount() {
        CompletableFuture<Outcome> first = coalescer.submit(event("a"));
        List<CompletableFuture<Outcome>> waiting = List.of(coalescer.submit(event("b")), coalescer.submit(event("a")));
        assertThat(publisher.writes).as("nothing more is written while the first write is under way").hasSize(1);

        publisher.confirm(0);

        assertThat(publisher.writes).hasSize(2);
        EventSlice together = publisher.writes.get(1).slice();
        assertThat(together.events()).extracting(EventSlice.Item::key).containsExactly("b", "a");
        assertThat(together.client()).isEqualTo("client-a");
        assertThat(waiting).allSatisfy(outcome -> assertThat(outcome).isNotDone());
        publisher.confirm(1);
        List<Outcome.Counted> counted = waiting.stream().map(CompletableFuture::join)
                .map(Outcome.Counted.class::cast).toList();
        assertThat(first.join()).isInstanceOf(Outcome.Counted.class);
        assertThat(counted).extracting(c -> c.ack().count()).containsExactly(2L, 3L);
        assertThat(counted).extracting(c -> c.ack().id()).containsExactly(together.eventId(0), together.eventId(1));
        assertThat(counted).extracting(c -> c.ack().key()).containsExactly("b", "a");
    }

    @Test
    void shouldPutAtMostTheLimitInOneRecordAndTheRestInTheNext() {
        coalescer.submit(event("first"));
        List<CompletableFuture<Outcome>> waiting = IntStream.range(0, 5)
                .mapToObj(i -> coalescer.submit(event("k" + i))).toList();

        publisher.confirm(0);
        assertThat(publisher.writes.get(1).slice().size()).isEqualTo(3);
        publisher.confirm(1);
        assertThat(publisher.writes.get(2).slice().events()).extracting(EventSlice.Item::key).containsExactly("k3", "k4");
        publisher.confirm(2);

        assertThat(waiting).allSatisfy(outcome -> assertThat(outcome).isCompletedWithValueMatching(
                Outcome.Counted.class::isInstance));
        assertThat(publisher.writes).hasSize(3);
    }

    @Test
    void shouldAnswerEveryEventOfARefusedRecord503AndGoOnWritingTheNext() {
        CompletableFuture<Outcome> first = coalescer.submit(event("a"));
        CompletableFuture<Outcome> next = coalescer.submit(event("b"));

        publisher.writes.get(0).written().completeExceptionally(
                new KafkaUnavailableException("refused", Duration.ofSeconds(3)));

        assertThat(first).isCompletedWithValueMatching(o -> o instanceof Outcome.Unavailable unavailable
                && unavailable.retryAfter().equals(Duration.ofSeconds(3)));
        assertThat(publisher.writes).as("the next event is written after the refusal").hasSize(2);
        publisher.confirm(1);
        assertThat(next).isCompletedWithValueMatching(Outcome.Counted.class::isInstance);
    }

    @Test
    void shouldRefuseEventsWhosePublishThrowsWithoutBlockingThePartitionForLaterOnes() {
        publisher.throwOnPublish = new IllegalStateException("producer closed");
        CompletableFuture<Outcome> refused = coalescer.submit(event("a"));
        assertThat(refused).isCompletedWithValueMatching(Outcome.Unavailable.class::isInstance);

        publisher.throwOnPublish = null;
        CompletableFuture<Outcome> later = coalescer.submit(event("b"));
        assertThat(publisher.writes).hasSize(1);
        publisher.confirm(0);
        assertThat(later).isCompletedWithValueMatching(Outcome.Counted.class::isInstance);
    }

    @Test
    void shouldAnswerAcceptedWhenTheCountDoesNotComeWithinTheAckTimeout() {
        EventCoalescer quick = new EventCoalescer(publisher, inbox, Duration.ofMillis(50), 3);
        inbox.counter = null; // counter-streams does not answer
        CompletableFuture<Outcome> outcome = quick.submit(event("a"));
        publisher.writes.get(0).written().complete(new EventPublisher.Written(0, 7));

        assertThat(outcome.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join())
                .isInstanceOf(Outcome.Accepted.class);
    }
}
