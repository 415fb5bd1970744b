package dev.surge.counter.topology;

import dev.surge.common.countpath.Generation;
import dev.surge.common.countpath.Handover;
import dev.surge.common.event.CountAck;
import dev.surge.common.event.EventRecord;
import dev.surge.common.event.EventSlice;
import dev.surge.common.event.LoadEvent;
import dev.surge.common.event.SliceAck;
import dev.surge.common.topic.Topics;
import dev.surge.counter.query.PartitionLoad;
import dev.surge.counter.query.PartitionLoads;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts one event, checked before it gets here ({@link EventCheckProcessor}): reads the key's count, stores
 * count + 1, adds it to the key's one-second bucket and forwards exactly one {@link CountAck} carrying the new
 * count. A retry (same load key and idempotency key within the retention) is not counted again: its ack carries
 * the first attempt's count, marked duplicate. A batch slice ({@link EventSlice}) is counted the same way, event by
 * event in its order, in one step: each key's count is read and written once per slice, and one {@link SliceAck}
 * carries every event's count.
 *
 * <p>Under exactly-once the store updates, their changelog writes, the ack and the input offset commit in one
 * transaction, so each count value is handed out once per key. The input record's headers (the reply partition)
 * travel on to the ack.
 *
 * <p>Rescaling, per task, all inside the same transactions:
 * <ul>
 *   <li>Handing over (any generation): once the successor's cut-over has begun, a punctuation sends every key's
 *       count, buckets and idempotency entries to the successor partition the key now hashes to, then a
 *       {@code done} record to every successor partition, and records the successor in {@link
 *       CounterTopology#HANDOVER_STORE}. Events that reach this task afterwards are forwarded to the successor's
 *       events topic, unchanged but for a {@value Topics#GENERATION_HEADER} header (a batch slice split by the
 *       successor partition its keys hash to).</li>
 *   <li>Taking over (generation 2 and later): hand-over records are written into the stores as they come; events
 *       are held, in order, until every predecessor task has said done, then counted from the handed-over state.</li>
 * </ul>
 *
 * <p>Every count and bucket it writes also goes into the task's {@link PartitionLoad}, published in {@link
 * PartitionLoads} from {@link #init} to {@link #close}, so that {@code GET /load} need not scan the stores.
 */
final class RunningCountProcessor implements Processor<String, Object, String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(RunningCountProcessor.class);
    private static final char SEPARATOR = '\u0000';
    private static final Duration HANDOVER_CHECK = Duration.ofMillis(100);
    private static final int HANDOVER_BATCH = 500;
    /** {@link CounterTopology#HANDOVER_STORE} keys. */
    static final String HANDED_TO = "handed-over-to";
    /** The successor's partition count, for splitting batch slices forwarded to it. */
    private static final String HANDED_TO_PARTITIONS = "handed-over-to-partitions";
    private static final String DONE_FROM = "done-from:";
    private static final String DONE_COUNT = "done-count";
    private static final String HELD_SEQUENCE = "held-sequence";
    private static final String READY_ANNOUNCED = "ready-announced";

    private final long idempotencyRetentionMs;
    private final Generation generation;
    private final CounterTopology.Successor successor;
    private final PartitionLoads loads;
    private PartitionLoad load;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, Long> counts;
    private WindowStore<String, Long> recent;
    private WindowStore<String, Long> idempotency;
    private KeyValueStore<String, Long> progress;
    private KeyValueStore<String, HeldEvent> held;
    private boolean complete;
    private Long handedTo;
    private boolean readyAnnounced;

    RunningCountProcessor(Duration idempotencyRetention, Generation generation, CounterTopology.Successor successor,
                          PartitionLoads loads) {
        this.idempotencyRetentionMs = idempotencyRetention.toMillis();
        this.generation = generation;
        this.successor = successor;
        this.loads = loads;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.counts = context.getStateStore(CounterTopology.COUNTS_STORE);
        this.recent = context.getStateStore(CounterTopology.RECENT_STORE);
        this.idempotency = context.getStateStore(CounterTopology.IDEMPOTENCY_STORE);
        this.progress = context.getStateStore(CounterTopology.HANDOVER_STORE);
        if (generation.number() > 1) {
            this.held = context.getStateStore(CounterTopology.HELD_STORE);
        }
        this.complete = generation.number() == 1 || progress.get(CounterTopology.HANDOVER_COMPLETE) != null;
        this.handedTo = progress.get(HANDED_TO);
        context.schedule(HANDOVER_CHECK, PunctuationType.WALL_CLOCK_TIME, now -> handOverIfCutOver());
        // Kafka Streams 4.4 calls init() from StreamTask#completeRestoration (initializeTopology), i.e. only once the
        // task's stores are restored, and close() from StreamTask#suspend (closeTopology) when a running task is
        // revoked or closed. An exactly-once task whose transaction aborted is closed dirty and revived by
        // TaskManager#closeDirtyAndRevive: suspend() (close() here), closeDirty() (the stores roll back to the last
        // commit), revive() (CLOSED -> CREATED), then restoration and init() again on this same processor object.
        // So the aggregate built here is always a scan of the restored stores, never one carrying aborted counts.
        // (streams/src/main/java/org/apache/kafka/streams/processor/internals/StreamTask.java and TaskManager.java;
        // checked against the 4.4.0 jar's bytecode.)
        this.load = PartitionLoad.scan(counts, recent, context.currentSystemTimeMs());
        loads.publish(context.taskId().partition(), load);
    }

    @Override
    public void close() {
        if (load != null) {
            loads.withdraw(context.taskId().partition(), load);
            load = null;
        }
    }

    @Override
    public void process(Record<String, Object> record) {
        if (record.value() instanceof Handover handover) {
            takeOver(handover);
        } else if (record.value() instanceof EventRecord event) { // checked by EventCheckProcessor
            if (handedTo != null) {
                forwardToSuccessor(record, event);
            } else if (!complete) {
                hold(record, event);
            } else {
                count(event, record.timestamp(), record.headers());
            }
        } else if (record.value() == null) {
            LOG.warn("Skipping a hand-over record without a value on {}", context.recordMetadata().map(m -> m.topic()
                    + "-" + m.partition() + "@" + m.offset()).orElse("?"));
        }
    }

    private void count(EventRecord event, long timestamp, Headers headers) {
        if (event instanceof LoadEvent single) {
            Counts counted = countEvents(List.of(new EventSlice.Item(single.key(), single.idempotencyKey())),
                    timestamp);
            context.forward(new Record<>(single.key(), new CountAck(single.id(), single.key(), counted.counts[0],
                    counted.duplicate[0]), timestamp, headers), CounterTopology.SINK);
        } else if (event instanceof EventSlice slice) {
            Counts counted = countEvents(slice.events(), timestamp);
            List<Long> counts = new ArrayList<>(slice.size());
            List<Integer> duplicates = new ArrayList<>();
            for (int i = 0; i < slice.size(); i++) {
                counts.add(counted.counts[i]);
                if (counted.duplicate[i]) {
                    duplicates.add(slice.positions().get(i));
                }
            }
            context.forward(new Record<>(slice.recordKey(), new SliceAck(slice.batch(), slice.positions(), counts,
                    duplicates), timestamp, headers), CounterTopology.SINK);
        }
    }

    /** Each event's count, and whether it was a retry answered with the first attempt's count. */
    private record Counts(long[] counts, boolean[] duplicate) {
    }

    /**
     * Counts {@code events} in order, all received at {@code timestamp}: each gets its key's next count, unless its
     * idempotency key was seen within the retention (then the first attempt's count, marked duplicate). The stores
     * are read once per key and written once per key at the end (the idempotency store once per new retry key), so
     * a slice of many events of few keys costs a few reads and writes, not one set per event.
     */
    private Counts countEvents(List<EventSlice.Item> events, long timestamp) {
        long[] counts = new long[events.size()];
        boolean[] duplicate = new boolean[events.size()];
        Map<String, long[]> byKey = new LinkedHashMap<>(); // key -> {count before (-1: none), count now}
        for (int i = 0; i < events.size(); i++) {
            EventSlice.Item event = events.get(i);
            String retryKey = event.idempotencyKey() == null ? null
                    : event.key() + SEPARATOR + event.idempotencyKey();
            if (retryKey != null) {
                Long first = firstCount(retryKey, timestamp);
                if (first != null) {
                    counts[i] = first;
                    duplicate[i] = true;
                    continue;
                }
            }
            long[] count = byKey.computeIfAbsent(event.key(), key -> {
                Long previous = this.counts.get(key);
                return previous == null ? new long[] {-1, 0} : new long[] {previous, previous};
            });
            counts[i] = ++count[1];
            if (retryKey != null) {
                idempotency.put(retryKey, count[1], timestamp);
            }
        }
        long bucket = timestamp - Math.floorMod(timestamp, CounterTopology.BUCKET.toMillis());
        long added = 0;
        for (Map.Entry<String, long[]> entry : byKey.entrySet()) {
            String key = entry.getKey();
            long before = entry.getValue()[0];
            long after = entry.getValue()[1];
            long more = after - Math.max(0, before);
            this.counts.put(key, after);
            Long inBucket = recent.fetch(key, bucket);
            recent.put(key, inBucket == null ? more : inBucket + more, bucket);
            load.counted(key, before < 0 ? null : before, after);
            added += more;
        }
        if (added > 0) {
            load.added(bucket, added, context.currentSystemTimeMs());
        }
        return new Counts(counts, duplicate);
    }

    /** The count of the first attempt with this retry key within the retention (either side: clocks differ). */
    private Long firstCount(String retryKey, long timestamp) {
        try (WindowStoreIterator<Long> seen = idempotency.fetch(retryKey,
                timestamp - idempotencyRetentionMs, timestamp + idempotencyRetentionMs)) {
            return seen.hasNext() ? seen.next().value : null;
        }
    }

    // ---- taking over from the previous generation

    private void hold(Record<String, Object> record, EventRecord event) {
        Long last = progress.get(HELD_SEQUENCE);
        long sequence = last == null ? 1 : last + 1;
        Header reply = record.headers().lastHeader(Topics.REPLY_PARTITION_HEADER);
        held.put(String.format("%019d", sequence), new HeldEvent(event, record.timestamp(),
                reply == null ? null : new String(reply.value(), StandardCharsets.US_ASCII)));
        progress.put(HELD_SEQUENCE, sequence);
    }

    private void takeOver(Handover handover) {
        if (handover.taskReady()) {
            return; // this generation's own readiness marker, for the rescale command
        }
        if (complete) {
            LOG.warn("Ignoring a hand-over from partition {} after the hand-over completed", handover.fromPartition());
            return;
        }
        boolean exact = true;
        for (Handover.KeyCount entry : handover.counts()) {
            Long before = counts.get(entry.key());
            counts.put(entry.key(), entry.count());
            exact &= load.counted(entry.key(), before, entry.count());
        }
        long now = context.currentSystemTimeMs();
        for (Handover.Bucket entry : handover.buckets()) {
            // A put replaces the bucket; only a bucket recent enough to be in the aggregate needs its old value.
            if (PartitionLoad.kept(entry.start(), now)) {
                Long before = recent.fetch(entry.key(), entry.start());
                load.added(entry.start(), entry.count() - (before == null ? 0 : before), now);
            }
            recent.put(entry.key(), entry.count(), entry.start());
        }
        if (!exact) {
            LOG.warn("Generation {} partition {}: a hand-over lowered a count; scanning the stores again",
                    generation.number(), context.taskId().partition());
            load.rebuild(counts, recent, now);
        }
        handover.retries().forEach(entry -> idempotency.put(entry.retryKey(), entry.count(), entry.timestamp()));
        if (!handover.done() || progress.get(DONE_FROM + handover.fromPartition()) != null) {
            return;
        }
        progress.put(DONE_FROM + handover.fromPartition(), 1L);
        Long before = progress.get(DONE_COUNT);
        long done = before == null ? 1 : before + 1;
        progress.put(DONE_COUNT, done);
        if (done == handover.fromPartitions()) {
            complete = true;
            progress.put(CounterTopology.HANDOVER_COMPLETE, 1L);
            long released = releaseHeld();
            LOG.info("Generation {} partition {}: hand-over from {} partitions complete; {} held events counted",
                    generation.number(), context.taskId().partition(), done, released);
        }
    }

    private long releaseHeld() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, HeldEvent> all = held.all()) {
            while (all.hasNext()) {
                KeyValue<String, HeldEvent> entry = all.next();
                keys.add(entry.key);
                HeldEvent event = entry.value;
                RecordHeaders headers = new RecordHeaders();
                if (event.replyPartition() != null) {
                    headers.add(Topics.REPLY_PARTITION_HEADER,
                            event.replyPartition().getBytes(StandardCharsets.US_ASCII));
                }
                count(event.event(), event.timestamp(), headers);
            }
        }
        keys.forEach(held::delete);
        return keys.size();
    }

    // ---- handing over to the next generation

    /**
     * Sends a late event on to the successor's events topic. A slice is split by the successor partition each of its
     * keys hashes to (its positions go with its events), so each part lands in the partition that holds its keys.
     */
    private void forwardToSuccessor(Record<String, Object> record, EventRecord event) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.remove(Topics.GENERATION_HEADER);
        headers.add(Topics.GENERATION_HEADER, Long.toString(handedTo).getBytes(StandardCharsets.US_ASCII));
        List<EventRecord> parts = event instanceof EventSlice slice ? split(slice) : List.of(event);
        for (EventRecord part : parts) {
            context.forward(new Record<>(part.recordKey(), (Object) part, record.timestamp(), headers),
                    CounterTopology.FORWARD_SINK);
        }
    }

    private List<EventRecord> split(EventSlice slice) {
        Long partitions = progress.get(HANDED_TO_PARTITIONS);
        if (partitions == null) {
            throw new IllegalStateException("generation " + generation.number() + " handed over to generation "
                    + handedTo + " without recording its partition count: cannot split a batch slice for it");
        }
        return List.copyOf(EventSlice.byPartition(slice.batch(), slice.receivedAt(), slice.client(),
                slice.positions(), slice.events(), partitions.intValue()));
    }

    /** Once, when this task of a new generation first runs: tells the rescale command it can cut over. */
    private void announceReady() {
        if (readyAnnounced || progress.get(READY_ANNOUNCED) != null) {
            readyAnnounced = true;
            return;
        }
        int partition = context.taskId().partition();
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.GENERATION_HEADER, Integer.toString(generation.number())
                .getBytes(StandardCharsets.US_ASCII));
        context.forward(new Record<>("ready-" + partition, (Object) Handover.ready(partition, generation.partitions()),
                context.currentSystemTimeMs(), headers), CounterTopology.HANDOVER_SINK);
        progress.put(READY_ANNOUNCED, 1L);
        readyAnnounced = true;
    }

    private void handOverIfCutOver() {
        if (generation.number() > 1 && !readyAnnounced) {
            announceReady();
        }
        if (handedTo != null || !complete) {
            return;
        }
        Optional<Generation> next = successor.get();
        if (next.isEmpty() || next.get().number() <= generation.number()) {
            return;
        }
        Generation to = next.get();
        long started = System.nanoTime();
        HandoverBatches batches = new HandoverBatches(to);
        try (KeyValueIterator<String, Long> all = counts.all()) {
            all.forEachRemaining(entry -> batches.count(entry.key, entry.value));
        }
        try (KeyValueIterator<Windowed<String>, Long> all = recent.all()) {
            all.forEachRemaining(entry -> batches.bucket(entry.key.key(), entry.key.window().start(), entry.value));
        }
        try (KeyValueIterator<Windowed<String>, Long> all = idempotency.all()) {
            all.forEachRemaining(entry -> batches.retry(entry.key.key(), entry.value, entry.key.window().start()));
        }
        batches.finish();
        handedTo = (long) to.number();
        progress.put(HANDED_TO_PARTITIONS, (long) to.partitions());
        progress.put(HANDED_TO, handedTo);
        LOG.info("Generation {} partition {}: handed {} entries over to generation {} ({} partitions) in {} ms",
                generation.number(), context.taskId().partition(), batches.entries, to.number(), to.partitions(),
                (System.nanoTime() - started) / 1_000_000);
    }

    /** Collects hand-over entries per successor partition and sends them in batches. */
    private final class HandoverBatches {
        private final Generation to;
        private final List<List<Handover.KeyCount>> counts = new ArrayList<>();
        private final List<List<Handover.Bucket>> buckets = new ArrayList<>();
        private final List<List<Handover.Retry>> retries = new ArrayList<>();
        private long entries;

        HandoverBatches(Generation to) {
            this.to = to;
            for (int i = 0; i < to.partitions(); i++) {
                counts.add(new ArrayList<>());
                buckets.add(new ArrayList<>());
                retries.add(new ArrayList<>());
            }
        }

        void count(String key, long count) {
            int partition = to.partitionOf(key);
            counts.get(partition).add(new Handover.KeyCount(key, count));
            added(partition);
        }

        void bucket(String key, long start, long count) {
            int partition = to.partitionOf(key);
            buckets.get(partition).add(new Handover.Bucket(key, start, count));
            added(partition);
        }

        void retry(String retryKey, long count, long timestamp) {
            int partition = to.partitionOf(retryKey.substring(0, retryKey.indexOf(SEPARATOR)));
            retries.get(partition).add(new Handover.Retry(retryKey, count, timestamp));
            added(partition);
        }

        private void added(int partition) {
            entries++;
            if (counts.get(partition).size() + buckets.get(partition).size() + retries.get(partition).size()
                    >= HANDOVER_BATCH) {
                send(partition, false);
            }
        }

        void finish() {
            for (int partition = 0; partition < to.partitions(); partition++) {
                send(partition, true);
            }
        }

        private void send(int partition, boolean done) {
            int from = context.taskId().partition();
            Handover handover = new Handover(from, generation.partitions(), partition, counts.get(partition),
                    buckets.get(partition), retries.get(partition), done);
            counts.get(partition).clear();
            buckets.get(partition).clear();
            retries.get(partition).clear();
            RecordHeaders headers = new RecordHeaders();
            headers.add(Topics.GENERATION_HEADER, Integer.toString(to.number()).getBytes(StandardCharsets.US_ASCII));
            context.forward(new Record<>("from-" + from, (Object) handover, context.currentSystemTimeMs(), headers),
                    CounterTopology.HANDOVER_SINK);
        }
    }
}
