package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.surge.ingest.admission.AdmissionConfig;
import dev.surge.ingest.publish.EventPublisher.Written;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A fixed in-flight bound ({@code SURGE_ADAPTIVE_LIMIT=false}): past {@code max.in.flight} unanswered requests, 503 at
 * once.
 */
class BackpressureTest {
    private TestApi api;

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void shouldAnswer503AtOnceWhileTheInFlightBoundIsReachedAndAdmitAgainOnceAnswersAreOut() {
        // Writes stall (no produce timeout in reach); their counts never come, so they end 202 once written.
        api = new TestApi(AdmissionConfig.DEFAULTS.withFixedInFlight(2), Duration.ofSeconds(30), Duration.ofMillis(300));
        api.publisher.stall = true;
        List<CompletableFuture<HttpResponse<String>>> waiting = List.of(
                api.sendAsync(api.postRequest("/simulate", null)), api.sendAsync(api.postRequest("/simulate", null)));
        await().atMost(Duration.ofSeconds(10)).until(() -> api.publisher.stalled.size() == 2);
        assertThat(api.metric("surge_requests_in_flight")).isEqualTo(2);

        long started = System.nanoTime();
        HttpResponse<String> refused = api.post("/simulate", null);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).contains("1");
        assertThat(TestApi.json(refused).get("type").asText()).isEqualTo("urn:surge:problem:overloaded");
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(api.publisher.published).hasSize(2);
        assertThat(api.metric("surge_events_total{client=\"anonymous\",outcome=\"overloaded\"}")).isEqualTo(1);

        api.publisher.stall = false;
        api.publisher.stalled.forEach(write -> write.complete(new Written(0, 0)));
        assertThat(waiting).allSatisfy(response -> assertThat(response.join().statusCode()).isEqualTo(202));
        await().atMost(Duration.ofSeconds(10)).until(() -> api.admission.inFlight() == 0);
        assertThat(api.post("/simulate", null).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldFreeTheInFlightPermitOfEveryRefusedOrFailedRequest() {
        api = new TestApi(AdmissionConfig.DEFAULTS.withFixedInFlight(1));

        // A permit comes back once the answer is written, which the client may see a moment before.
        assertThat(api.post("/simulate", "not json").statusCode()).isEqualTo(400);
        await().atMost(Duration.ofSeconds(10)).until(() -> api.admission.inFlight() == 0);
        assertThat(api.post("/simulate?ack=maybe", null).statusCode()).isEqualTo(400);
        await().atMost(Duration.ofSeconds(10)).until(() -> api.admission.inFlight() == 0);
        api.publisher.failure = new org.apache.kafka.common.errors.TimeoutException("Expiring 1 record(s)");
        assertThat(api.post("/simulate", null).statusCode()).isEqualTo(504);
        api.publisher.failure = null;
        await().atMost(Duration.ofSeconds(10)).until(() -> api.admission.inFlight() == 0);

        assertThat(api.post("/simulate", null).statusCode()).isEqualTo(200);
        assertThat(api.metric("surge_events_total{client=\"anonymous\",outcome=\"overloaded\"}")).isZero();
    }
}
