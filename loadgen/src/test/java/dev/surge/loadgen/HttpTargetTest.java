package dev.surge.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP client on its own, against a raw socket server: what it sends, reads, and how requests fail. */
class HttpTargetTest {
    private RawServer server;
    private HttpTarget http;

    @AfterEach
    void stop() throws IOException {
        if (http != null) {
            http.close();
        }
        server.close();
    }

    private HttpTarget target(Duration timeout, Optional<ApiKey> apiKey) {
        return new HttpTarget(new Scenario(server.uri(), Profile.parse("1/s for 1s"), 10, 0, 1, "test", Mode.SINGLE,
                5, "count", 8, timeout, 5, Duration.ofSeconds(10), false, apiKey));
    }

    private static HttpTarget.Answer post(HttpTarget http, String path, String json, String idempotencyKey)
            throws Exception {
        CompletableFuture<HttpTarget.Answer> answer = new CompletableFuture<>();
        http.post(http.uri(path), json.getBytes(StandardCharsets.UTF_8), idempotencyKey, answer::complete);
        return answer.get(10, TimeUnit.SECONDS);
    }

    private static String ok(String body, String extraHeaders) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n"
                + extraHeaders + "\r\n" + body;
    }

    @Test
    void shouldSendTheHeadersAndBodyAndReadStatusRetryAfterAndBodyOverOneKeptAliveConnection() throws Exception {
        server = new RawServer(request -> request.startsWith("POST")
                ? "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\nContent-Length: 2\r\n\r\n{}"
                : ok("{\"load\":7}", ""));
        http = target(Duration.ofSeconds(5), Optional.of(ApiKey.of("s3cret")));

        HttpTarget.Answer posted = post(http, "/simulate?ack=durable", "{\"key\":\"k-1\"}", "test-e0");
        HttpTarget.Answer read = http.get("/load/k-1").get(10, TimeUnit.SECONDS);

        assertThat(posted.failed()).isFalse();
        assertThat(posted.status()).isEqualTo(503);
        assertThat(posted.retryAfter()).isEqualTo("3");
        assertThat(new String(posted.body(), StandardCharsets.UTF_8)).isEqualTo("{}");
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.retryAfter()).isNull();
        assertThat(Answers.load(read.body())).hasValue(7);
        String request = server.requests.get(0).toLowerCase(Locale.ROOT);
        assertThat(request).startsWith("post /simulate?ack=durable http/1.1\r\n")
                .contains("host: 127.0.0.1:" + server.port() + "\r\n", "content-type: application/json\r\n",
                        "authorization: bearer s3cret\r\n", "idempotency-key: test-e0\r\n", "content-length: 13\r\n")
                .endsWith("\r\n\r\n{\"key\":\"k-1\"}");
        assertThat(server.requests.get(1).toLowerCase(Locale.ROOT)).startsWith("get /load/k-1 http/1.1\r\n")
                .contains("authorization: bearer s3cret\r\n").doesNotContain("content-type");
        assertThat(server.connections.get()).isEqualTo(1);
    }

    @Test
    void shouldFailARequestWithoutAnAnswerWithinTheTimeoutAndUseANewConnectionForTheNext() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        server = new RawServer(request -> seen.getAndIncrement() == 0 ? RawServer.SILENCE : ok("{}", ""));
        http = target(Duration.ofMillis(300), Optional.empty());

        long began = System.nanoTime();
        HttpTarget.Answer first = post(http, "/simulate", "{}", null);
        long tookMillis = (System.nanoTime() - began) / 1_000_000;
        HttpTarget.Answer second = post(http, "/simulate", "{}", null);

        assertThat(first.failed()).isTrue();
        assertThat(first.failure()).isInstanceOf(TimeoutException.class);
        assertThat(tookMillis).isBetween(250L, 5_000L);
        assertThat(second.status()).isEqualTo(200);
        assertThat(server.connections.get()).isEqualTo(2);
    }

    @Test
    void shouldFailARequestWhoseConnectionIsLostAndReconnectForTheNext() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        server = new RawServer(request -> seen.getAndIncrement() == 0 ? RawServer.CLOSE : ok("{}", ""));
        http = target(Duration.ofSeconds(5), Optional.empty());

        HttpTarget.Answer first = post(http, "/simulate", "{}", null);
        HttpTarget.Answer second = post(http, "/simulate", "{}", null);

        assertThat(first.failed()).isTrue();
        assertThat(first.failure()).isInstanceOf(IOException.class);
        assertThat(second.status()).isEqualTo(200);
        assertThat(server.connections.get()).isEqualTo(2);
    }

    @Test
    void shouldOpenANewConnectionAfterAnAnswerThatClosesIts() throws Exception {
        server = new RawServer(request -> ok("{}", "Connection: close\r\n") + RawServer.CLOSE);
        http = target(Duration.ofSeconds(5), Optional.empty());

        assertThat(post(http, "/simulate", "{}", null).status()).isEqualTo(200);
        assertThat(post(http, "/simulate", "{}", null).status()).isEqualTo(200);
        assertThat(server.connections.get()).isEqualTo(2);
    }

    @Test
    void shouldFailWhenNothingListens() throws Exception {
        server = new RawServer(request -> ok("{}", ""));
        server.close();
        http = target(Duration.ofSeconds(5), Optional.empty());

        HttpTarget.Answer answer = post(http, "/simulate", "{}", null);

        assertThat(answer.failed()).isTrue();
    }

    /**
     * Reads HTTP/1.1 requests (head and Content-Length body) on 127.0.0.1 and writes what {@code answers} returns
     * for each: a raw response, {@link #SILENCE} (no answer) or ending in {@link #CLOSE} (close the connection).
     */
    private static final class RawServer implements AutoCloseable {
        static final String SILENCE = "<silence>";
        static final String CLOSE = "<close>";
        final List<String> requests = new CopyOnWriteArrayList<>();
        final AtomicInteger connections = new AtomicInteger();
        private final ServerSocket socket;
        private final Function<String, String> answers;

        RawServer(Function<String, String> answers) throws IOException {
            this.answers = answers;
            this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(this::accept, "raw-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + port());
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket connection = socket.accept();
                    connections.incrementAndGet();
                    Thread thread = new Thread(() -> serve(connection), "raw-connection");
                    thread.setDaemon(true);
                    thread.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket connection) {
            try (connection; InputStream in = connection.getInputStream();
                 OutputStream out = connection.getOutputStream()) {
                while (true) {
                    String request = readRequest(in);
                    if (request == null) {
                        return;
                    }
                    requests.add(request);
                    String answer = answers.apply(request);
                    if (answer.equals(SILENCE)) {
                        Thread.sleep(60_000);
                        return;
                    }
                    boolean close = answer.endsWith(CLOSE);
                    out.write(answer.replace(CLOSE, "").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    if (close) {
                        return;
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the client went away
            }
        }

        private static String readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1) {
                bytes.write(c);
                String head = bytes.toString(StandardCharsets.ISO_8859_1);
                if (head.endsWith("\r\n\r\n")) {
                    int length = 0;
                    for (String line : head.split("\r\n")) {
                        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                    return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
