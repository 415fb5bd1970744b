package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.ingest.admission.AdmissionConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bodies over {@code max.body.bytes} and malformed {@code Idempotency-Key}s are refused; nothing is produced. */
class InputLimitsTest {
    private static final int LIMIT = 8192;
    private TestApi api;

    @BeforeEach
    void start() {
        api = new TestApi(AdmissionConfig.DEFAULTS);
    }

    @AfterEach
    void stop() {
        api.close();
    }

    /** A valid body of exactly {@code size} bytes: the key, padded with spaces. */
    private static String bodyOf(int size) {
        String json = "{\"key\":\"checkout\"}";
        return json + " ".repeat(size - json.length());
    }

    @Test
    void shouldAcceptABodyOfExactlyTheLimit() {
        assertThat(api.post("/simulate", bodyOf(LIMIT)).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRefuseABodyOverTheLimitWith413() {
        HttpResponse<String> response = api.post("/simulate", bodyOf(100 * 1024));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(TestApi.json(response).get("detail").asText()).contains("8192 bytes");
        assertThat(api.publisher.published).isEmpty();
        assertThat(api.metric("surge_events_total{client=\"anonymous\",outcome=\"invalid\"}")).isEqualTo(1);
    }

    /**
     * The server reads an oversized body to its end before it answers 413, so the connection stays usable: had it
     * closed it with the body's bytes unread, the kernel's reset could reach the client before the answer did.
     */
    @Test
    void shouldReadAnOversizedBodyToItsEndAndKeepTheConnection() throws Exception {
        String oversized = bodyOf(100 * 1024);
        String valid = "{\"key\":\"after\"}";
        try (Socket socket = new Socket("127.0.0.1", api.app.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            byte[] first = post(oversized);
            int head = first.length - oversized.length();
            // The headers and 10 KB now, the rest of the body (and the next request) 300 ms later, as a client on a
            // slower link would: a server that answers at once has the rest still to come when it closes.
            out.write(first, 0, head + 10 * 1024);
            out.flush();
            CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(() -> {
                try {
                    out.write(first, head + 10 * 1024, first.length - head - 10 * 1024);
                    out.write(post(valid));
                    out.flush();
                } catch (IOException closedByServer) {
                    // the assertions below report it: no second answer
                }
            });
            InputStream in = socket.getInputStream();

            assertThat(readAnswer(in)).startsWith("413 ");
            assertThat(readAnswer(in)).as("a second request on the same connection").startsWith("200 ");
        }
        assertThat(api.publisher.published).singleElement()
                .satisfies(p -> assertThat(p.event().key()).isEqualTo("after"));
    }

    private static byte[] post(String body) {
        return ("POST /simulate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }

    /** One answer: its status code and reason, after reading its headers and its Content-Length body. */
    private static String readAnswer(InputStream in) throws IOException {
        String status = line(in);
        int length = 0;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(header.substring("content-length:".length()).trim());
            }
        }
        in.readNBytes(length);
        return status.substring(status.indexOf(' ') + 1);
    }

    private static String line(InputStream in) throws IOException {
        String line = TestApi.readLine(in);
        if (line == null) {
            throw new IOException("The server closed the connection before its answer");
        }
        return line;
    }

    @Test
    void shouldRefuseAChunkedBodyOverTheLimitWith413() {
        byte[] body = bodyOf(100 * 1024).getBytes(StandardCharsets.UTF_8);
        // An input stream of unknown length: sent chunked, without Content-Length.
        HttpRequest.Builder chunked = api.request("/simulate").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));

        HttpResponse<String> response = api.send(chunked);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(api.publisher.published).isEmpty();
    }

    @Test
    void shouldAcceptAChunkedBodyUnderTheLimit() {
        byte[] body = bodyOf(LIMIT).getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder chunked = api.request("/simulate").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));

        HttpResponse<String> response = api.send(chunked);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(TestApi.json(response).get("key").asText()).isEqualTo("checkout");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"\"", "tab\there"})
    void shouldRefuseAnIdempotencyKeyThatIsEmptyOrNotPrintableAscii(String key) {
        HttpRequest.Builder request = api.postRequest("/simulate", null);
        request.header("Idempotency-Key", key);

        HttpResponse<String> response = api.send(request);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(TestApi.json(response).get("detail").asText()).contains("Idempotency-Key");
        assertThat(api.publisher.published).isEmpty();
    }

    @Test
    void shouldRefuseAnIdempotencyKeyWithBytesOutsideAscii() {
        byte[] header = "Idempotency-Key: caf\u00e9\r\n".getBytes(StandardCharsets.ISO_8859_1);

        assertThat(api.rawPost("/simulate", header)).isEqualTo(400);
        assertThat(api.rawPost("/simulate", "Idempotency-Key: cafe\r\n".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(200);
        assertThat(api.publisher.published).hasSize(1);
    }

    @Test
    void shouldRefuseAnIdempotencyKeyLongerThan255Characters() {
        assertThat(api.post("/simulate", null, "Idempotency-Key", "k".repeat(256)).statusCode()).isEqualTo(400);
        assertThat(api.post("/simulate", null, "Idempotency-Key", "k".repeat(255)).statusCode()).isEqualTo(200);
        assertThat(api.publisher.published).hasSize(1);
    }

    @Test
    void shouldRefuseTwoIdempotencyKeys() {
        HttpResponse<String> response = api.post("/simulate", null,
                "Idempotency-Key", "one", "Idempotency-Key", "two");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(api.publisher.published).isEmpty();
    }
}
