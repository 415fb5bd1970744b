package dev.surge.counter;

import dev.surge.common.concurrent.DaemonThreads;
import dev.surge.common.countpath.CountPath;
import dev.surge.common.countpath.CountPathWatcher;
import dev.surge.common.countpath.Generation;
import dev.surge.counter.query.GenerationQueries;
import dev.surge.counter.query.LoadQueries;
import dev.surge.counter.query.PartitionLoads;
import dev.surge.counter.topology.CounterTopology;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka Streams applications of this instance: one per running count path generation (one, or two while a
 * rescale is under way). Follows the count path: starts the next generation when a rescale prepares it, closes the
 * previous one when the rescale settles.
 */
final class CountingGenerations implements GenerationQueries, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CountingGenerations.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration METRICS_REFRESH = Duration.ofSeconds(10);

    private final CounterConfig config;
    private final Consumer<String> fatal;
    private final HostInfo self;
    private final CountPathWatcher countPath;
    private final MeterRegistry registry;
    private final CounterTopology.DeadLetterListener deadLetters;
    private final Map<Integer, Running> running = new TreeMap<>();
    private volatile Map<Integer, LoadQueries> queries = Map.of();
    private volatile CountPath path;

    private record Running(Generation generation, KafkaStreams streams, PartitionLoads loads,
                           KafkaStreamsMetrics metrics, ScheduledExecutorService metricsRefresh) {
    }

    /**
     * @param deadLetters told of each record any generation sends to the dead-letter topic
     * @param fatal       told when a generation's Streams application fails for good (state ERROR)
     */
    CountingGenerations(CounterConfig config, HostInfo self, CountPathWatcher countPath, MeterRegistry registry,
                        CounterTopology.DeadLetterListener deadLetters, Consumer<String> fatal) {
        this.fatal = fatal;
        this.deadLetters = deadLetters;
        this.config = config;
        this.self = self;
        this.countPath = countPath;
        this.registry = registry;
    }

    /** Runs what the count path needs now, and follows it from here on. */
    CountingGenerations start() {
        follow(countPath.current());
        countPath.onChange(this::follow);
        return this;
    }

    private synchronized void follow(CountPath next) {
        for (Generation generation : next.running()) {
            running.computeIfAbsent(generation.number(), number -> startStreams(generation));
        }
        running.keySet().removeIf(number -> {
            if (next.running().stream().anyMatch(generation -> generation.number() == number)) {
                return false;
            }
            Running retired = running.get(number);
            close(retired);
            // A settled rescale never runs this generation again: its local stores (a copy of its changelogs)
            // only take disk space.
            retired.streams().cleanUp();
            return true;
        });
        Map<Integer, LoadQueries> byGeneration = new TreeMap<>();
        LoadQueries before = null;
        for (Generation generation : next.running()) {
            // While cutting over, a partition of the new generation that has not taken over yet is read from the
            // previous one; while preparing, clients read the previous generation only.
            Running counting = running.get(generation.number());
            LoadQueries these = new LoadQueries(counting.streams(), counting.loads(), generation,
                    next.phase() == CountPath.Phase.CUTOVER ? before : null, self, Clock.systemUTC());
            byGeneration.put(generation.number(), these);
            before = these;
        }
        queries = Map.copyOf(byGeneration);
        path = next;
    }

    private Running startStreams(Generation generation) {
        PartitionLoads loads = new PartitionLoads();
        KafkaStreams streams = new GaugeSafeKafkaStreams(
                CounterTopology.build(config.topology(), generation,
                        () -> countPath.current().successorOf(generation.number()), deadLetters, loads),
                config.streamsProperties(generation, self.port()));
        streams.setStateListener((next, previous) -> {
            LOG.info("Generation {} Streams state {} -> {}", generation.number(), previous, next);
            if (next == KafkaStreams.State.ERROR) {
                fatal.accept("the Streams application of generation " + generation.number() + " failed (ERROR): "
                        + "this instance cannot count");
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("Generation {} stream thread failed; replacing it", generation.number(), e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        // Task and store metrics appear only after assignment: look for new ones every 10 s, not the default 60 s.
        // The refresh reads every metric's value, so it gets its own thread, stopped before Streams closes.
        ScheduledExecutorService metricsRefresh = Executors.newSingleThreadScheduledExecutor(
                DaemonThreads.named("streams-metrics-g" + generation.number()));
        KafkaStreamsMetrics metrics = new KafkaStreamsMetrics(streams, Tags.of("generation",
                Integer.toString(generation.number())), metricsRefresh, METRICS_REFRESH);
        metrics.bindTo(registry);
        streams.start();
        LOG.info("Generation {} started: {} on {} partitions", generation.number(), generation.eventsTopic(),
                generation.partitions());
        return new Running(generation, streams, loads, metrics, metricsRefresh);
    }

    /**
     * Stops reading the application's metrics first: a store metric read after its RocksDB store closed crashed the
     * JVM here (SIGSEGV in {@code WriteBatch.getDataSize}, from the transactional stores' uncommitted-bytes gauge,
     * since left out by {@link GaugeSafeKafkaStreams}; no other store metric should be read from a closed store).
     * Then leaves the consumer group on close so the partitions move to the other instances at once.
     */
    private static void close(Running generation) {
        generation.metricsRefresh().shutdownNow();
        try {
            if (!generation.metricsRefresh().awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("Generation {} metrics refresh did not stop within 5 s", generation.generation().number());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        generation.metrics().close(); // removes its meters: a scrape no longer reads the stores
        generation.streams().close(CloseOptions.groupMembershipOperation(
                CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(CLOSE_TIMEOUT));
        LOG.info("Generation {} stopped", generation.generation().number());
    }

    /** The count path this instance follows now; null before {@link #start()}. */
    CountPath path() {
        return path;
    }

    /** The Streams application and the partition totals of {@code generation}, while it runs here. */
    synchronized Optional<Counting> counting(int generation) {
        Running counting = running.get(generation);
        return counting == null ? Optional.empty() : Optional.of(new Counting(counting.streams(), counting.loads()));
    }

    /** One generation running here: its Streams application and its active tasks' totals. */
    record Counting(KafkaStreams streams, PartitionLoads loads) {
    }

    /** The state of the generation that takes new events. */
    synchronized KafkaStreams.State writeState() {
        if (path == null) {
            return KafkaStreams.State.CREATED;
        }
        Running writing = running.get(path.writeTo().number());
        return writing == null ? KafkaStreams.State.CREATED : writing.streams().state();
    }

    @Override
    public LoadQueries current() {
        CountPath now = path;
        if (now == null) {
            return null;
        }
        return queries.get(now.writeTo().number()); // the generation that counts new events answers for them
    }

    @Override
    public LoadQueries of(int generation) {
        return queries.get(generation);
    }

    @Override
    public synchronized void close() {
        running.values().forEach(CountingGenerations::close);
        running.clear();
    }
}
