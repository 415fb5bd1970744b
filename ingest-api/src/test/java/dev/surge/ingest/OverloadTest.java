package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.surge.common.serde.JsonSerde;
import dev.surge.ingest.admission.AdmissionConfig;
import dev.surge.ingest.publish.EventPublisher.Written;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Past the in-flight limit: refusals are the pre-built 503 problem+json with Retry-After, answered before the body is
 * read and without reaching Kafka; the rest of the API stays open.
 */
class OverloadTest {
    private TestApi api;
    private List<CompletableFuture<HttpResponse<String>>> holding;

    /** Two requests hold the two permits: their writes stall until {@link #release()}. */
    @BeforeEach
    void fillTheLimit() {
        api = new TestApi(AdmissionConfig.DEFAULTS.withFixedInFlight(2), Duration.ofSeconds(30),
                Duration.ofMillis(300));
        api.publisher.stall = true;
        holding = List.of(api.sendAsync(api.postRequest("/simulate", null)),
                api.sendAsync(api.postRequest("/simulate", null)));
        await().atMost(Duration.ofSeconds(10)).until(() -> api.publisher.stalled.size() == 2);
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private void release() {
        api.publisher.stall = false;
        api.publisher.stalled.forEach(write -> write.complete(new Written(0, 0)));
        assertThat(holding).allSatisfy(response -> assertThat(response.join().statusCode()).isEqualTo(202));
    }

    @Test
    void shouldRefuseWithOverloadedProblemJsonAndRetryAfterBeforeReadingTheBody() throws Exception {
        // The head announces a body that never comes: a route that read it would answer 408 after the body timeout.
        String answer = rawExchange("POST /simulate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\nConnection: close\r\n\r\n");

        String[] headAndBody = answer.split("\r\n\r\n", 2);
        assertThat(headAndBody[0]).startsWith("HTTP/1.1 503 ")
                .containsPattern("(?i)\r\nRetry-After: [1-5]\r\n")
                .containsIgnoringCase("\r\nContent-Type: application/problem+json");
        JsonNode problem = JsonSerde.MAPPER.readTree(headAndBody[1]);
        assertThat(problem.get("type").asText()).isEqualTo("urn:surge:problem:overloaded");
        assertThat(problem.get("status").asInt()).isEqualTo(503);
        assertThat(problem.get("instance").asText()).isEqualTo("/simulate");
        assertThat(api.publisher.published).hasSize(2);
        assertThat(api.metric("surge_events_total{client=\"anonymous\",outcome=\"overloaded\"}")).isEqualTo(1);
        assertThat(api.metric("surge_admission_shed_total")).isEqualTo(1);
    }

    @Test
    void shouldSayConnectionCloseWhenRefusingARequestWhoseBodyHasNotArrived() throws Exception {
        // Jetty closes a connection whose request body was not read; a client that was not told would send its next
        // request on it and get no answer at all.
        String answer = rawExchange("POST /simulate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 503 ").containsIgnoringCase("\r\nConnection: close\r\n");
    }

    @Test
    void shouldKeepTheConnectionOpenWhenTheRefusedBodyCameWithTheHeadAndReadItAgainOnlyAfterRetryAfter()
            throws Exception {
        String body = "{\"key\":\"k\"}";
        try (Socket socket = new Socket("127.0.0.1", api.app.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            long sent = System.nanoTime();
            out.write(("POST /simulate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String refused = readResponse(in);
            long refusedAt = System.nanoTime();
            // A client that retries at once: its next request waits, unread, until the Retry-After has passed.
            out.write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String next = readResponse(in);
            Duration nextTook = Duration.ofNanos(System.nanoTime() - refusedAt);

            assertThat(refused).startsWith("HTTP/1.1 503 ").doesNotContainIgnoringCase("Connection: close");
            assertThat(Duration.ofNanos(refusedAt - sent)).as("the 503 itself").isLessThan(Duration.ofSeconds(1));
            long retryAfter = retryAfterSeconds(refused);
            assertThat(retryAfter).isBetween(1L, 5L);
            assertThat(next).startsWith("HTTP/1.1 200 ");
            assertThat(nextTook).as("the next request on the refused connection")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(retryAfter).minusMillis(50));
        }
    }

    private static long retryAfterSeconds(String response) {
        return response.lines().filter(line -> line.regionMatches(true, 0, "Retry-After:", 0, 12))
                .mapToLong(line -> Long.parseLong(line.substring(12).trim())).findFirst().orElseThrow();
    }

    @Test
    void shouldRefuseEveryFormOfTheRouteAndAdmitAgainOnceAnswersAreOut() {
        HttpResponse<String> refused = api.post("/simulate", "{\"key\":\"k\"}");
        HttpResponse<String> slash = api.post("/simulate/", null);
        HttpResponse<String> durable = api.post("/simulate?ack=durable", null);
        HttpResponse<String> batch = api.post("/simulate/batch", "[{\"key\":\"k\"}]");
        HttpResponse<String> batchSlash = api.post("/simulate/batch/?ack=durable", "[{\"key\":\"k\"}]");

        assertThat(List.of(refused, slash, durable, batch, batchSlash)).allSatisfy(response -> {
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After").map(Long::parseLong)).hasValueSatisfying(
                    seconds -> assertThat(seconds).isBetween(1L, 5L));
            assertThat(TestApi.json(response).get("type").asText()).isEqualTo("urn:surge:problem:overloaded");
        });
        // each refusal names the path that was asked for, without the query
        assertThat(List.of(refused, slash, durable, batch, batchSlash))
                .extracting(response -> TestApi.json(response).get("instance").asText())
                .containsExactly("/simulate", "/simulate/", "/simulate", "/simulate/batch", "/simulate/batch/");
        assertThat(api.publisher.published).hasSize(2);

        release();
        await().atMost(Duration.ofSeconds(10)).until(() -> api.admission.inFlight() == 0);
        assertThat(api.post("/simulate", "{\"key\":\"k\"}").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldKeepHealthMetricsAndQueriesOpenWhileTheLimitIsReached() {
        assertThat(api.send(api.request("/health/live")).statusCode()).isEqualTo(200);
        HttpResponse<String> metrics = api.send(api.request("/metrics"));

        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(api.metric("surge_admission_limit")).isEqualTo(2);
        assertThat(api.metric("surge_requests_in_flight")).isEqualTo(2);
    }

    /** One response from a connection that stays open: the head, then as many body bytes as it declares. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.length() + " bytes: " + head);
            }
            head.append((char) b);
        }
        int length = head.toString().lines()
                .filter(line -> line.regionMatches(true, 0, "Content-Length:", 0, 15))
                .mapToInt(line -> Integer.parseInt(line.substring(15).trim())).findFirst().orElse(0);
        return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    private String rawExchange(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", api.app.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
