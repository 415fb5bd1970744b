package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.ingest.admission.AdmissionConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The circuit breaker around Kafka writes, on fake Kafka and a fake clock. The same claims on a real broker that
 * is stopped and restarted: local-stack's {@code AdmissionIT}.
 */
class KafkaCircuitBreakerTest {
    private TestApi api;

    @AfterEach
    void stop() {
        api.close();
    }

    /**
     * Three writes that Kafka does not confirm in time (504: they may be in the log): enough to open the breaker.
     */
    private void failThreeWrites() {
        api.publisher.failure = new TimeoutException("Expiring 1 record(s) for load-events-0");
        for (int i = 0; i < 3; i++) {
            assertThat(api.post("/simulate", null).statusCode()).isEqualTo(504);
        }
    }

    @Test
    void shouldStayClosedWhileMostWritesSucceed() {
        api = new TestApi(AdmissionConfig.DEFAULTS);
        for (int i = 0; i < 12; i++) {
            assertThat(api.post("/simulate", null).statusCode()).isEqualTo(200);
        }
        api.publisher.failure = new TimeoutException("Expiring 1 record(s) for load-events-0");
        for (int i = 0; i < 8; i++) {
            assertThat(api.post("/simulate", null).statusCode()).isEqualTo(504);
        }

        assertThat(api.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(api.publisher.published).hasSize(20);
    }

    @Test
    void shouldRefuseWritesAtOnceWithoutTryingKafkaOnceTheBreakerIsOpen() {
        api = new TestApi(AdmissionConfig.DEFAULTS);
        failThreeWrites();
        assertThat(api.breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);

        HttpResponse<String> refused = api.post("/simulate", null);

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).contains("2");
        assertThat(TestApi.json(refused).get("type").asText()).isEqualTo("urn:surge:problem:kafka-unavailable");
        assertThat(api.publisher.published).hasSize(3);
        assertThat(api.inbox.expected).allSatisfy(p -> assertThat(p.ack()).isCompletedWithValue(null));
        assertThat(api.metric("surge_events_total{client=\"anonymous\",outcome=\"unconfirmed\"}")).isEqualTo(3);
        assertThat(api.metric("surge_events_total{client=\"anonymous\",outcome=\"unavailable\"}")).isEqualTo(1);
        assertThat(api.metric("resilience4j_circuitbreaker_state{name=\"kafka-publish\",state=\"open\"}"))
                .isEqualTo(1);
    }

    @Test
    void shouldProbeKafkaWithOneWriteAfterTheOpenDurationAndCloseAgainWhenItAnswers() {
        api = new TestApi(AdmissionConfig.DEFAULTS);
        failThreeWrites();
        api.publisher.failure = null;
        assertThat(api.post("/simulate", null).statusCode()).isEqualTo(503);
        assertThat(api.publisher.published).hasSize(3);

        api.time.advance(TestApi.BREAKER_OPEN.plusMillis(1));

        assertThat(api.post("/simulate", null).statusCode()).isEqualTo(200);
        assertThat(api.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(api.post("/simulate", null).statusCode()).isEqualTo(200);
        assertThat(api.publisher.published).hasSize(5);
    }

    @Test
    void shouldStayOpenAnotherOpenDurationWhenTheProbeFails() {
        api = new TestApi(AdmissionConfig.DEFAULTS);
        failThreeWrites();

        api.time.advance(TestApi.BREAKER_OPEN.plusMillis(1));
        assertThat(api.post("/simulate", null).statusCode()).as("the probe times out").isEqualTo(504);
        for (int i = 0; i < 4; i++) {
            assertThat(api.post("/simulate", null).statusCode()).isEqualTo(503);
        }

        assertThat(api.breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(api.publisher.published).as("one probe, then refused at once").hasSize(4);
        api.time.advance(TestApi.BREAKER_OPEN.plusMillis(1));
        assertThat(api.post("/simulate", null).statusCode()).isEqualTo(504);
        assertThat(api.publisher.published).as("the next probe").hasSize(5);
    }

    @Test
    void shouldAnswer504WithinTheProduceTimeoutWhenAWriteStalls() {
        Duration produceTimeout = Duration.ofMillis(300);
        api = new TestApi(AdmissionConfig.DEFAULTS, produceTimeout, Duration.ofSeconds(30));
        api.publisher.stall = true;

        long started = System.nanoTime();
        HttpResponse<String> response = api.post("/simulate", null);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(TestApi.json(response).get("type").asText()).isEqualTo("urn:surge:problem:kafka-unconfirmed");
        assertThat(response.headers().firstValue("Retry-After")).contains("1");
        assertThat(took).isGreaterThanOrEqualTo(produceTimeout).isLessThan(Duration.ofSeconds(5));
    }
}
