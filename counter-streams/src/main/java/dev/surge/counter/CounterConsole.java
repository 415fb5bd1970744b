package dev.surge.counter;

import dev.surge.common.console.ConsoleStats;
import dev.surge.common.console.Increase;
import dev.surge.common.console.SecondsHistory;
import dev.surge.common.countpath.CountPath;
import dev.surge.common.countpath.Generation;
import dev.surge.common.http.JsonResponses;
import dev.surge.common.http.Readiness;
import dev.surge.common.serde.JsonSerde;
import dev.surge.counter.query.LoadQueries;
import io.javalin.http.Context;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * {@code GET /stats} of counter-streams: this instance (readiness, the partitions it counts and keeps standby
 * copies of, its lag, the generation and any rescale under way), the other counter-streams instances of the group
 * (each asked for itself, {@code ?here=true}), and the events this instance counted in each of its last seconds.
 */
final class CounterConsole implements AutoCloseable {
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(1);

    private final HostInfo self;
    private final CountingGenerations generations;
    private final Supplier<Readiness> readiness;
    private final Increase counted = new Increase(false);
    private final SecondsHistory history;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(PEER_TIMEOUT)
            .build();

    CounterConsole(HostInfo self, CountingGenerations generations, Supplier<Readiness> readiness, Clock clock) {
        this.self = self;
        this.generations = generations;
        this.readiness = readiness;
        this.history = SecondsHistory.start("console-" + self.port(), clock, this::sample);
    }

    /** Events counted here in the second that ended: what the totals of this instance's active partitions added. */
    private ConsoleStats.Second sample(long second) {
        Map<String, Double> totals = new HashMap<>();
        CountPath path = generations.path();
        if (path != null) {
            for (Generation generation : path.running()) {
                generations.counting(generation.number()).ifPresent(counting -> counting.loads().active()
                        .forEach((partition, load) -> totals.put(generation.number() + "/" + partition,
                                (double) load.total())));
            }
        }
        long events = counted.next(totals).values().stream().mapToLong(Long::longValue).sum();
        return new ConsoleStats.Second(second, events, Map.of(), null, null);
    }

    void answer(Context ctx) {
        ConsoleStats.Instance me = describe(readiness.get());
        if ("true".equals(ctx.queryParam("here"))) {
            JsonResponses.json(ctx, 200, new ConsoleStats(me, List.of(me), history.seconds()));
            return;
        }
        List<CompletableFuture<ConsoleStats.Instance>> peers = peers().stream().map(this::askPeer).toList();
        ctx.future(() -> CompletableFuture.allOf(peers.toArray(CompletableFuture[]::new)).thenRun(() -> {
            List<ConsoleStats.Instance> instances = new ArrayList<>();
            instances.add(me);
            peers.forEach(peer -> instances.add(peer.join()));
            JsonResponses.json(ctx, 200, new ConsoleStats(me, instances, history.seconds()));
        }));
    }

    private String url(HostInfo host) {
        return "http://" + host.host() + ":" + host.port();
    }

    private ConsoleStats.Instance describe(Readiness now) {
        String name = self.host() + ":" + self.port();
        CountPath path = generations.path();
        Optional<CountingGenerations.Counting> writing = path == null ? Optional.empty()
                : generations.counting(path.writeTo().number());
        if (writing.isEmpty()) {
            return ConsoleStats.Instance.notCounting(name, url(self), now.ready(), now.detail());
        }
        Generation generation = path.writeTo();
        KafkaStreams streams = writing.get().streams();
        List<Integer> active = List.copyOf(new TreeSet<>(writing.get().loads().active().keySet()));
        return new ConsoleStats.Instance(ConsoleStats.COUNTER_STREAMS, name, url(self), now.ready(), now.detail(),
                active, standbys(streams, generation.eventsTopic()), lag(streams, generation.eventsTopic()), null,
                generation.number(), rescale(path));
    }

    private static List<Integer> standbys(KafkaStreams streams, String topic) {
        TreeSet<Integer> partitions = new TreeSet<>();
        try {
            for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
                for (TaskMetadata task : thread.standbyTasks()) {
                    task.topicPartitions().stream().filter(tp -> tp.topic().equals(topic))
                            .forEach(tp -> partitions.add(tp.partition()));
                }
            }
        } catch (IllegalStateException e) {
            // not running (yet, or any more): no standby to report
        }
        return List.copyOf(partitions);
    }

    /**
     * Records of {@code topic} this instance's consumers have not read yet: the sum of the consumers'
     * {@code records-lag} (per assigned partition); null while no consumer reports one.
     */
    static Long lag(KafkaStreams streams, String topic) {
        long lag = 0;
        boolean any = false;
        for (Map.Entry<MetricName, ? extends Metric> metric : streams.metrics().entrySet()) {
            MetricName name = metric.getKey();
            if (name.name().equals("records-lag") && name.group().equals("consumer-fetch-manager-metrics")
                    && topic.equals(name.tags().get("topic"))) {
                Object value = metric.getValue().metricValue();
                if (value instanceof Double records && Double.isFinite(records) && records >= 0) {
                    lag += records.longValue();
                    any = true;
                }
            }
        }
        return any ? lag : null;
    }

    private ConsoleStats.Rescale rescale(CountPath path) {
        if (path.phase() == CountPath.Phase.SETTLED) {
            return null;
        }
        Generation next = path.current();
        List<Integer> counting = generations.counting(next.number())
                .map(c -> List.copyOf(c.loads().active().keySet())).orElse(List.of());
        LoadQueries queries = generations.of(next.number());
        int takenOver = path.phase() == CountPath.Phase.PREPARING || queries == null ? 0
                : (int) counting.stream().filter(queries::takenOver).count();
        return new ConsoleStats.Rescale(path.phase().name(), path.previous().number(), next.number(),
                path.previous().partitions(), next.partitions(), takenOver, counting.size());
    }

    /** The other instances of the group taking new events, from Streams metadata. */
    private List<HostInfo> peers() {
        CountPath path = generations.path();
        if (path == null) {
            return List.of();
        }
        return generations.counting(path.writeTo().number()).map(counting -> {
            try {
                return counting.streams().metadataForAllStreamsClients().stream().map(StreamsMetadata::hostInfo)
                        .filter(host -> !host.equals(self)).distinct().toList();
            } catch (IllegalStateException e) {
                return List.<HostInfo>of();
            }
        }).orElse(List.of());
    }

    private CompletableFuture<ConsoleStats.Instance> askPeer(HostInfo peer) {
        String url = url(peer);
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/stats?here=true")).timeout(PEER_TIMEOUT)
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenApply(response -> {
            if (response.statusCode() != 200) {
                return ConsoleStats.Instance.unreachable(ConsoleStats.COUNTER_STREAMS, url,
                        "answered " + response.statusCode());
            }
            try {
                return JsonSerde.MAPPER.readValue(response.body(), ConsoleStats.class).self();
            } catch (java.io.IOException e) {
                return ConsoleStats.Instance.unreachable(ConsoleStats.COUNTER_STREAMS, url, e.getMessage());
            }
        }).exceptionally(failure -> ConsoleStats.Instance.unreachable(ConsoleStats.COUNTER_STREAMS, url,
                String.valueOf(failure.getCause() == null ? failure : failure.getCause())));
    }

    @Override
    public void close() {
        history.close();
    }
}
