package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.surge.counter.CounterService;
import dev.surge.ingest.IngestServer;
import dev.surge.ingest.IngestConfig;
import dev.surge.testkit.TestKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Reply partitions move between ingest-api instances when one joins or stops gracefully: under steady load, not a
 * single request gets 202 because of it. ingest-api uses the production ack timeout, and each instance has an
 * instance id (a static member of the ack group), as {@code ./surge}, compose and Kubernetes give it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplyPartitionHandoverIT {
    private static final int PARTITIONS = 12;
    private static final String ACK_GROUP = "surge-handover-acks-it";
    private static final Map<String, String> API_SETTINGS = Map.of("ack.timeout",
            IngestConfig.DEFAULT_ACK_TIMEOUT.toMillis() + "ms");

    private TestKafka kafka;
    private CounterService counter;

    @BeforeAll
    void startPipeline() throws Exception {
        kafka = TestKafka.start();
        counter = InProcessSurge.counter(kafka.bootstrapServers(), "surge-handover-it", Map.of());
    }

    @AfterAll
    void stopPipeline() throws Exception {
        counter.close();
        kafka.close();
    }

    private IngestServer startApi(String instanceId) {
        Map<String, String> settings = new java.util.HashMap<>(API_SETTINGS);
        settings.put("instance.id", instanceId);
        return InProcessSurge.api(kafka.bootstrapServers(), ACK_GROUP, List.of(counter), settings);
    }

    private List<String> ackGroupInstanceIds() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            return admin.describeConsumerGroups(List.of(ACK_GROUP)).describedGroups().get(ACK_GROUP)
                    .get(10, TimeUnit.SECONDS).members().stream()
                    .map(member -> member.groupInstanceId().orElse("(dynamic)")).toList();
        }
    }

    private static void awaitAnswers(SteadyLoad load, long count) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> load.answers().size() >= count);
    }

    @Test
    @DisplayName("A second ingest-api joins under load: requests waiting on the partitions it takes still get 200")
    void shouldAnswerEveryWaitingRequestWithItsCountWhenAnotherApiInstanceJoins() throws Exception {
        try (IngestServer first = startApi("api-join-first")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> first.ownedReplyPartitions() == PARTITIONS);
            SteadyLoad load = SteadyLoad.start(first.port(), "api-join-", 20, 16, Duration.ofSeconds(80));
            awaitAnswers(load, 500);

            try (IngestServer second = startApi("api-join-second")) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> first.ownedReplyPartitions() + second.ownedReplyPartitions() == PARTITIONS
                                && first.ownedReplyPartitions() < PARTITIONS);
                awaitAnswers(load, load.answers().size() + 1_000L);
                load.stop();
            }

            System.out.printf("ReplyPartitionHandoverIT join: answers %s%n", load.statuses());
            assertThat(load.statuses()).as("answers by status").containsOnlyKeys(200);
        }
    }

    @Test
    @DisplayName("An ingest-api stops gracefully under load: its admitted requests get 200, the other keeps counting")
    void shouldAnswerEveryAdmittedRequestWithItsCountWhenAnApiInstanceStops() throws Exception {
        try (IngestServer staying = startApi("api-stop-staying")) {
            IngestServer leaving = startApi("api-stop-leaving");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> staying.ownedReplyPartitions() + leaving.ownedReplyPartitions() == PARTITIONS
                            && leaving.ownedReplyPartitions() > 0 && staying.ownedReplyPartitions() > 0);
            SteadyLoad onStaying = SteadyLoad.start(staying.port(), "api-stay-", 20, 8, Duration.ofSeconds(80));
            SteadyLoad onLeaving = SteadyLoad.start(leaving.port(), "api-leave-", 20, 8, Duration.ofSeconds(80));
            awaitAnswers(onLeaving, 500);

            long stoppedAt = System.nanoTime();
            leaving.close();
            // A static member that closes without leaving keeps its partitions until its session times out (6 s on
            // the embedded broker); one that leaves is gone from the group at once.
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !ackGroupInstanceIds().contains("api-stop-leaving"));
            onLeaving.stop();
            await().atMost(Duration.ofSeconds(30)).until(() -> staying.ownedReplyPartitions() == PARTITIONS);
            awaitAnswers(onStaying, onStaying.answers().size() + 500L);
            onStaying.stop();

            System.out.printf("ReplyPartitionHandoverIT stop: answers on the stopping instance %s, on the other %s%n",
                    onLeaving.statuses(), onStaying.statuses());
            // After the stop began: 503 (shutting down) or no connection; never 202.
            assertThat(onLeaving.statuses()).as("answers of the stopping instance; 202s: %s",
                    onLeaving.timesOf(202, stoppedAt)).doesNotContainKey(202).containsKey(200);
            assertThat(onStaying.statuses()).as("answers of the other instance; 202s: %s",
                    onStaying.timesOf(202, stoppedAt)).containsOnlyKeys(200);
        }
    }
}
