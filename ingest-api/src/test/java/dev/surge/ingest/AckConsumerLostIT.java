package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.surge.common.config.Settings;
import dev.surge.testkit.TestKafkaExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * On a real broker: when ingest-api's ack consumer fails for good, the instance says so ({@link IngestServer#failed},
 * on which {@link Main} exits 1) instead of running on answering 202. The fatal error is brought about as an operator
 * would: the static member is removed from the ack group and the emptied group deleted, so the member's next
 * heartbeat finds no group ({@code GROUP_ID_NOT_FOUND}), the error seen after a broker restart lost the group.
 */
class AckConsumerLostIT {
    private static final String GROUP = "ack-lost-it";
    private static final String INSTANCE = "ack-lost-it-0";
    @RegisterExtension
    static final TestKafkaExtension KAFKA = new TestKafkaExtension();

    @Test
    void shouldReportTheAckConsumerLostForGoodSoThatTheProcessExits() throws Exception {
        Map<String, String> settings = Map.of(
                "kafka.bootstrap.servers", KAFKA.bootstrapServers(),
                "http.port", "0",
                "ack.group.id", GROUP,
                "instance.id", INSTANCE);
        try (IngestServer server = IngestServer.start(IngestConfig.from(new Settings(settings)));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                     KAFKA.bootstrapServers()))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> server.ownedReplyPartitions() > 0);
            assertThat(server.failed()).isNotDone();

            // Remove the member and delete the group before its next heartbeat (every 500 ms); when a heartbeat
            // comes in between, the member joins again and the group is not empty: try again.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!server.failed().isDone()) {
                    removeAndDelete(admin);
                }
                return server.failed().isDone();
            });

            assertThat(server.failed().get(1, TimeUnit.SECONDS)).contains("ack consumer failed for good");
            assertThat(server.ownedReplyPartitions()).isZero();
        }
    }

    private static void removeAndDelete(Admin admin) throws InterruptedException {
        try {
            admin.removeMembersFromConsumerGroup(GROUP, new RemoveMembersFromConsumerGroupOptions(
                    List.of(new MemberToRemove(INSTANCE)))).all().get(5, TimeUnit.SECONDS);
            admin.deleteConsumerGroups(List.of(GROUP)).all().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            // the member came back in between (group not empty, or no such member yet): the next round tries again
        }
    }
}
