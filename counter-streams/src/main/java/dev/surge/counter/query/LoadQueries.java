package dev.surge.counter.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.surge.common.countpath.Generation;
import dev.surge.common.serde.JsonSerde;
import dev.surge.counter.topology.CounterTopology;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * Answers load queries from the authoritative stores, wherever they live: a key's query goes to the instance that
 * actively owns its partition (found in Streams metadata) and is forwarded there when that is another instance;
 * the cluster-wide query asks every instance once for what its active partitions hold and checks that together
 * they cover every partition. When the owner cannot answer, a standby replica may (marked stale); otherwise the
 * query fails with {@link LoadUnavailableException}, never with a silently wrong number.
 */
public final class LoadQueries {
    public static final int TOP = 10;
    private static final ObjectMapper JSON = JsonSerde.MAPPER;
    private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(2);

    private final KafkaStreams streams;
    private final PartitionLoads loads;
    private final Generation generation;
    private final LoadQueries previous;
    private final HostInfo self;
    private final int sourcePartitions;
    private final Clock clock;
    private final Map<Integer, ReadOnlyKeyValueStore<String, Long>> activeCounts = new ConcurrentHashMap<>();
    private final Map<Integer, ReadOnlyWindowStore<String, Long>> activeRecent = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(FORWARD_TIMEOUT)
            .build();

    /**
     * @param loads      the running totals this instance's active tasks of {@code generation} publish
     * @param generation the count path generation whose stores this reads
     * @param previous   while a cut-over to {@code generation} is under way, the queries of the generation it
     *                   replaces: a partition that has not received every hand-over yet is answered from there
     *                   (nothing has been counted in it yet); null otherwise
     */
    public LoadQueries(KafkaStreams streams, PartitionLoads loads, Generation generation, LoadQueries previous,
                       HostInfo self, Clock clock) {
        this.streams = streams;
        this.loads = loads;
        this.generation = generation;
        this.previous = previous;
        this.self = self;
        this.sourcePartitions = generation.partitions();
        this.clock = clock;
    }

    public Generation generation() {
        return generation;
    }

    /**
     * The load of {@code key}; {@code here} answers from this instance only (a forwarded query).
     *
     * <p>A key whose partition this instance counts now (its task has published its totals in {@link
     * PartitionLoads}) is read here without asking Streams for the key's metadata: {@code queryMetadataForKey} is
     * synchronised on one object per instance, and every query thread queued on it (profiled: most of a lookup's
     * time at 16 connections). The partition is the one Streams would compute (the default partitioner's murmur2
     * of the key, {@link Generation#partitionOf}).
     */
    public CompletableFuture<KeyLoad> key(String key, boolean here) {
        int partition = generation.partitionOf(key);
        if (loads.counts(partition) && (previous == null || takenOver(partition))) {
            try {
                return CompletableFuture.completedFuture(LocalStores.keyLoad(countsOf(partition),
                        recentOf(partition), key, clock.instant()));
            } catch (InvalidStateStoreException e) {
                // the task closed (or moved) since: ask Streams below
            }
        }
        KeyQueryMetadata owner = streams.queryMetadataForKey(CounterTopology.COUNTS_STORE, key,
                Serdes.String().serializer());
        if (owner == null || owner == KeyQueryMetadata.NOT_AVAILABLE) {
            throw new LoadUnavailableException("The owner of key '" + key + "' is not known yet (rebalancing)");
        }
        if (here || owner.activeHost().equals(self)) {
            if (previous != null && !takenOver(owner.partition())) {
                return previous.key(key, false);
            }
            return CompletableFuture.completedFuture(localKey(key, owner));
        }
        return get(owner.activeHost(), "/load/" + encode(key) + "?here=true&generation=" + generation.number(),
                KeyLoad.class)
                .exceptionallyCompose(failure -> fromStandby(key, owner, failure));
    }

    /** Whether this generation's task for {@code partition} has every hand-over (always, without a predecessor). */
    public boolean takenOver(int partition) {
        try {
            return streams.store(parameters(CounterTopology.HANDOVER_STORE,
                    QueryableStoreTypes.<String, Long>keyValueStore(), partition, true))
                    .get(CounterTopology.HANDOVER_COMPLETE) != null;
        } catch (InvalidStateStoreException e) {
            return false;
        }
    }

    private KeyLoad localKey(String key, KeyQueryMetadata owner) {
        try {
            return LocalStores.keyLoad(counts(owner.partition(), false), recent(owner.partition(), false), key,
                    clock.instant());
        } catch (InvalidStateStoreException e) {
            if (owner.standbyHosts().contains(self)) {
                return LocalStores.keyLoad(counts(owner.partition(), true), recent(owner.partition(), true), key,
                        clock.instant()).markStale();
            }
            throw new LoadUnavailableException("The store for key '" + key + "' is not queryable here now: "
                    + e.getMessage());
        }
    }

    private CompletableFuture<KeyLoad> fromStandby(String key, KeyQueryMetadata owner, Throwable failure) {
        if (owner.standbyHosts().contains(self)) {
            try {
                return CompletableFuture.completedFuture(
                        LocalStores.keyLoad(counts(owner.partition(), true), recent(owner.partition(), true), key,
                                clock.instant()).markStale());
            } catch (InvalidStateStoreException e) {
                // fall through: no usable standby here either
            }
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return CompletableFuture.failedFuture(new LoadUnavailableException("The owner of key '" + key + "' ("
                + owner.activeHost() + ") did not answer: " + cause.getMessage()));
    }

    /**
     * The cluster-wide load: one question to every instance for its active partitions, merged. Fails unless the
     * answers cover every partition exactly once.
     */
    public CompletableFuture<ClusterLoad> cluster(String prefix, int limit) {
        if (previous != null) {
            return clusterOfThisGeneration(prefix, limit)
                    .exceptionallyCompose(failure -> previous.cluster(prefix, limit));
        }
        return clusterOfThisGeneration(prefix, limit);
    }

    private CompletableFuture<ClusterLoad> clusterOfThisGeneration(String prefix, int limit) {
        Collection<StreamsMetadata> instances = streams.metadataForAllStreamsClients();
        List<CompletableFuture<PartialLoad>> parts = new ArrayList<>();
        for (StreamsMetadata instance : instances) {
            parts.add(instance.hostInfo().equals(self)
                    ? CompletableFuture.completedFuture(local(prefix, limit))
                    : get(instance.hostInfo(), "/internal/load?generation=" + generation.number() + "&limit=" + limit
                    + (prefix == null ? "" : "&prefix=" + encode(prefix)), PartialLoad.class));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(done -> merge(parts.stream().map(CompletableFuture::join).toList(), sourcePartitions,
                        prefix, limit))
                .exceptionallyCompose(failure -> {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    return CompletableFuture.failedFuture(cause instanceof LoadUnavailableException
                            ? cause : new LoadUnavailableException("An instance did not answer: " + cause.getMessage()));
                });
    }

    /**
     * What this instance's active partitions hold: the sum of their running totals (no scan), and the prefix matches
     * from the stores (a prefix scan, as long as the matches).
     */
    public PartialLoad local(String prefix, int limit) {
        Map<Integer, PartitionLoad> active = loads.active();
        if (previous != null) {
            for (int partition : active.keySet()) {
                if (!takenOver(partition)) {
                    throw new LoadUnavailableException("Partition " + partition + " of generation "
                            + generation.number() + " is still taking over (rescale under way)");
                }
            }
        }
        long now = clock.millis();
        long total = 0;
        long keys = 0;
        Recent recent = Recent.NONE;
        List<KeyCount> top = new ArrayList<>();
        for (PartitionLoad partition : active.values()) {
            PartitionLoad.Snapshot snapshot = partition.snapshot(now);
            total += snapshot.total();
            keys += snapshot.keys();
            recent = recent.plus(snapshot.recent());
            top.addAll(snapshot.top());
        }
        top.sort(KeyCount.BUSIEST_FIRST);
        List<KeyCount> matches = List.of();
        if (prefix != null && !prefix.isEmpty()) {
            try {
                matches = LocalStores.matches(counts(null, false), prefix, limit);
            } catch (InvalidStateStoreException e) {
                throw new LoadUnavailableException("Stores are not queryable here now: " + e.getMessage());
            }
        }
        return new PartialLoad(new TreeSet<>(active.keySet()), total, keys, recent,
                List.copyOf(top.subList(0, Math.min(TOP, top.size()))), matches);
    }

    /**
     * Adds up the instances' answers, or fails when they do not cover every one of {@code sourcePartitions}
     * partitions exactly once (a rebalance is under way): a partial sum would be a silently wrong number.
     */
    static ClusterLoad merge(List<PartialLoad> parts, int sourcePartitions, String prefix, int limit) {
        Set<Integer> covered = new TreeSet<>();
        long total = 0;
        long keys = 0;
        Recent recent = Recent.NONE;
        List<KeyCount> top = new ArrayList<>();
        List<KeyCount> matches = new ArrayList<>();
        for (PartialLoad part : parts) {
            for (int partition : part.partitions()) {
                if (!covered.add(partition)) {
                    throw new LoadUnavailableException("Partition " + partition + " is owned twice (rebalancing)");
                }
            }
            total += part.total();
            keys += part.keys();
            recent = recent.plus(part.recent());
            top.addAll(part.top());
            matches.addAll(part.matches());
        }
        if (covered.size() != sourcePartitions) {
            throw new LoadUnavailableException("Only " + covered.size() + " of " + sourcePartitions
                    + " partitions are owned by a running instance now (rebalancing)");
        }
        top.sort(KeyCount.BUSIEST_FIRST);
        matches.sort(java.util.Comparator.comparing(KeyCount::key));
        return new ClusterLoad(total, keys, recent, List.copyOf(top.subList(0, Math.min(TOP, top.size()))),
                prefix == null ? null : List.copyOf(matches.subList(0, Math.min(limit, matches.size()))),
                parts.size());
    }

    /** The active store of one partition; the handle is kept (it finds the partition's store on every read). */
    private ReadOnlyKeyValueStore<String, Long> countsOf(int partition) {
        return activeCounts.computeIfAbsent(partition, p -> counts(p, false));
    }

    private ReadOnlyWindowStore<String, Long> recentOf(int partition) {
        return activeRecent.computeIfAbsent(partition, p -> recent(p, false));
    }

    private ReadOnlyKeyValueStore<String, Long> counts(Integer partition, boolean stale) {
        return streams.store(parameters(CounterTopology.COUNTS_STORE, QueryableStoreTypes.<String, Long>keyValueStore(),
                partition, stale));
    }

    private ReadOnlyWindowStore<String, Long> recent(Integer partition, boolean stale) {
        return streams.store(parameters(CounterTopology.RECENT_STORE, QueryableStoreTypes.<String, Long>windowStore(),
                partition, stale));
    }

    private static <T> StoreQueryParameters<T> parameters(String store,
                                                          org.apache.kafka.streams.state.QueryableStoreType<T> type,
                                                          Integer partition, boolean stale) {
        StoreQueryParameters<T> parameters = StoreQueryParameters.fromNameAndType(store, type);
        if (partition != null) {
            parameters = parameters.withPartition(partition);
        }
        return stale ? parameters.enableStaleStores() : parameters;
    }

    private <T> CompletableFuture<T> get(HostInfo host, String pathAndQuery, Class<T> type) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port()
                        + pathAndQuery)).timeout(FORWARD_TIMEOUT).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenApply(response -> {
            if (response.statusCode() != 200) {
                throw new LoadUnavailableException(host + " answered " + response.statusCode());
            }
            try {
                return JSON.readValue(response.body(), type);
            } catch (IOException e) {
                throw new LoadUnavailableException(host + " answered with unreadable JSON: " + e.getMessage());
            }
        });
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
