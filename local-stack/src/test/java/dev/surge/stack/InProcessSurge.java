package dev.surge.stack;

import static org.awaitility.Awaitility.await;

import dev.surge.common.config.Settings;
import dev.surge.counter.CounterConfig;
import dev.surge.counter.CounterService;
import dev.surge.ingest.IngestConfig;
import dev.surge.ingest.IngestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * counter-streams and ingest-api started in the test's JVM exactly as their {@code main()} starts them (from
 * settings), on a real broker, and awaited until ready.
 */
final class InProcessSurge {
    private InProcessSurge() {
    }

    /** A counter-streams instance on a fresh state dir, HTTP on a free port; {@code extra} settings win. */
    static CounterService counter(String bootstrap, String applicationId, Map<String, String> extra)
            throws IOException {
        Map<String, String> settings = new HashMap<>(Map.of(
                "kafka.bootstrap.servers", bootstrap,
                "application.id", applicationId,
                "state.dir", Files.createTempDirectory("surge-" + applicationId).toString(),
                "http.port", "0"));
        settings.putAll(extra);
        CounterService service = new CounterService(CounterConfig.from(new Settings(settings))).start();
        await().atMost(Duration.ofSeconds(90)).until(() -> service.readiness().ready());
        return service;
    }

    /**
     * An ingest-api instance that proxies queries to {@code counters}. The ack timeout is generous: these tests
     * assert counts, not latency (that is measured by ./surge bench).
     */
    static IngestServer api(String bootstrap, String ackGroupId, List<CounterService> counters,
                            Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "kafka.bootstrap.servers", bootstrap,
                "http.port", "0",
                "ack.timeout", "15s",
                "produce.timeout", "5s",
                "ack.group.id", ackGroupId,
                "counter.urls", counters.stream().map(c -> "http://127.0.0.1:" + c.httpPort())
                        .collect(Collectors.joining(","))));
        settings.putAll(extra);
        IngestServer server = IngestServer.start(IngestConfig.from(new Settings(settings)));
        await().atMost(Duration.ofSeconds(30)).until(() -> server.ownedReplyPartitions() > 0);
        return server;
    }

    /**
     * One counter-streams and two ingest-api instances (one ack group) on {@code partitions} partitions, ready: both
     * APIs read reply partitions, together all of them. {@code apiExtra} settings go to both APIs.
     */
    record Pipeline(CounterService counter, IngestServer first, IngestServer second) implements AutoCloseable {
        static Pipeline start(String bootstrap, String name, int partitions, Map<String, String> apiExtra)
                throws IOException {
            Map<String, String> topics = Map.of("load.events.partitions", Integer.toString(partitions),
                    "ack.partitions", Integer.toString(partitions));
            CounterService counter = InProcessSurge.counter(bootstrap, "surge-counter-" + name, topics);
            Map<String, String> api = new HashMap<>(topics);
            api.putAll(apiExtra);
            IngestServer first = InProcessSurge.api(bootstrap, "surge-ingest-acks-" + name, List.of(counter), api);
            IngestServer second = InProcessSurge.api(bootstrap, "surge-ingest-acks-" + name, List.of(counter), api);
            await().atMost(Duration.ofSeconds(30)).until(() -> first.ownedReplyPartitions() > 0
                    && second.ownedReplyPartitions() > 0
                    && first.ownedReplyPartitions() + second.ownedReplyPartitions() == partitions);
            return new Pipeline(counter, first, second);
        }

        @Override
        public void close() {
            second.close();
            first.close();
            counter.close();
        }
    }
}
