package dev.surge.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.surge.common.config.Settings;
import dev.surge.common.serde.JsonSerde;
import dev.surge.ingest.admission.AdmissionConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that send their body slowly hold no request thread (see
 * {@link dev.surge.common.http.BufferedBodyHandler}): other clients are answered as fast as ever while they trickle,
 * and the slow ones get 408 when their body is overdue. Real Jetty on 127.0.0.1; Kafka is the fake, since the claim is
 * about HTTP.
 */
class SlowClientsTest {
    /** More than Javalin's 250 request threads: before the fix, this many froze every other request for ~100 s. */
    private static final int SLOW_CLIENTS = 500;
    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(8);
    private static final String HEAD = "POST /simulate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n";

    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
    private TestApi api;

    private void start(Duration bodyTimeout) {
        api = new TestApi(AdmissionConfig.from(new Settings(Map.of("body.timeout", bodyTimeout.toMillis() + "ms"))));
    }

    @AfterEach
    void stop() throws IOException {
        writer.shutdownNow();
        for (Socket socket : sockets) {
            socket.close();
        }
        api.close();
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", api.app.port());
        sockets.add(socket);
        return socket;
    }

    private static void write(Socket socket, String text) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void shouldAnswerOtherClientsWithinASecondWhile500ClientsSendTheirBodiesAByteASecond() throws Exception {
        start(BODY_TIMEOUT);
        // Given an API that answered once (the first request of a JVM pays for class loading and JIT)
        assertThat(postNormal().statusCode()).isEqualTo(200);
        // ... and 500 connections that sent their headers (a 100-byte body announced) and the body's first byte
        long firstSent = System.nanoTime();
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < SLOW_CLIENTS; i++) {
            Socket socket = connect();
            write(socket, HEAD + "{");
            slow.add(socket);
        }
        long allSent = System.nanoTime();
        // ... and then one more byte a second each, until a second before the first of them is overdue
        long stopTrickling = firstSent + BODY_TIMEOUT.minusSeconds(1).toNanos();
        List<String> cutOff = new CopyOnWriteArrayList<>();
        writer.scheduleAtFixedRate(() -> slow.forEach(socket -> {
            if (System.nanoTime() < stopTrickling) {
                try {
                    socket.getOutputStream().write(' ');
                } catch (IOException e) {
                    cutOff.add(e.toString());
                }
            }
        }), 1, 1, TimeUnit.SECONDS);

        // When other clients post, one after the other, for 3 s while the slow ones are still sending
        List<Long> millis = new ArrayList<>();
        long until = allSent + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < until) {
            long started = System.nanoTime();
            HttpResponse<String> response = postNormal();
            millis.add((System.nanoTime() - started) / 1_000_000);
            assertThat(response.statusCode()).isEqualTo(200);
        }
        long normalDone = System.nanoTime();

        // Then each was answered within a second, all before any slow client's body was overdue
        assertThat(normalDone).as("the normal requests ran while every slow client was still open")
                .isLessThan(firstSent + BODY_TIMEOUT.toNanos());
        assertThat(millis).as("latency of each normal request, ms").hasSizeGreaterThan(3).allSatisfy(
                ms -> assertThat(ms).isLessThan(1_000));
        assertThat(cutOff).as("slow clients cut off before their body was overdue").isEmpty();
        // ... and every slow client gets 408 problem+json once its body is overdue, and nothing of theirs is counted
        long answersDue = allSent + BODY_TIMEOUT.plusSeconds(5).toNanos();
        Map<String, Integer> answers = new TreeMap<>();
        for (Socket socket : slow) {
            socket.setSoTimeout((int) Math.max(1, (answersDue - System.nanoTime()) / 1_000_000));
            String answer;
            try {
                Map<String, String> head = readHead(socket);
                answer = head.get("status") + " " + head.get("content-type");
            } catch (IOException e) {
                answer = e.toString();
            }
            answers.merge(answer, 1, Integer::sum);
        }
        assertThat(answers).containsExactly(Map.entry("408 application/problem+json", SLOW_CLIENTS));
        assertThat(api.publisher.published).allSatisfy(p -> assertThat(p.event().key()).isEqualTo("normal"));
    }

    @Test
    void shouldAnswer408ProblemJsonAndCloseWhenTheBodyStopsArriving() throws Exception {
        start(Duration.ofMillis(500));
        Socket socket = connect();
        socket.setSoTimeout(10_000);

        write(socket, HEAD + "{\"key\":");

        Map<String, String> head = readHead(socket);
        assertThat(head).containsEntry("status", "408").containsEntry("connection", "close")
                .containsEntry("content-type", "application/problem+json");
        byte[] body = socket.getInputStream().readNBytes(Integer.parseInt(head.get("content-length")));
        JsonNode problem = JsonSerde.MAPPER.readTree(body);
        assertThat(problem.get("status").asInt()).isEqualTo(408);
        assertThat(problem.get("detail").asText()).contains("500 ms");
        assertThat(socket.getInputStream().read()).as("then the server closes the connection").isEqualTo(-1);
        assertThat(api.publisher.published).isEmpty();
    }

    @Test
    void shouldCountABodyThatArrivesInPiecesWithinTheTimeout() throws Exception {
        start(Duration.ofSeconds(5));
        Socket socket = connect();
        socket.setSoTimeout(10_000);
        String body = "{\"key\":\"pieces\"}";

        // The headers, then the body in three pieces 100 ms apart: read on Jetty's demand callbacks, not at once
        write(socket, "POST /simulate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n");
        writer.schedule(() -> write(socket, body.substring(0, 5)), 100, TimeUnit.MILLISECONDS);
        writer.schedule(() -> write(socket, body.substring(5, 10)), 200, TimeUnit.MILLISECONDS);
        writer.schedule(() -> write(socket, body.substring(10)), 300, TimeUnit.MILLISECONDS);

        Map<String, String> head = readHead(socket);
        assertThat(head).containsEntry("status", "200");
        assertThat(api.publisher.published).singleElement()
                .satisfies(p -> assertThat(p.event().key()).isEqualTo("pieces"));
    }

    private HttpResponse<String> postNormal() {
        return api.send(api.postRequest("/simulate", "{\"key\":\"normal\"}").timeout(Duration.ofSeconds(5)));
    }

    /**
     * The status code as "status" ("closed" when the connection closed without an answer), and each header by its
     * lower-case name; the body is left unread in the socket.
     */
    private static Map<String, String> readHead(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        Map<String, String> head = new TreeMap<>();
        String statusLine = TestApi.readLine(in);
        if (statusLine == null) {
            head.put("status", "closed");
            return head;
        }
        head.put("status", statusLine.split(" ")[1]);
        for (String line = TestApi.readLine(in); line != null && !line.isEmpty(); line = TestApi.readLine(in)) {
            int colon = line.indexOf(':');
            head.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        return head;
    }

}
