package dev.surge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * openloop, batch, verify and total against a small in-JVM counter on loopback that answers like Surge (POST
 * /simulate, POST /simulate/batch, GET /load, GET /load/{key}): the summaries they write and the integrity verdict.
 */
class LoadToolsAgainstAServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();
    /** How long the server takes over each POST /simulate (its work, not a wait for a condition). */
    private volatile long answerAfterMillis;
    private HttpServer server;
    private String base;
    @TempDir Path dir;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/simulate", this::simulate);
        server.createContext("/load", this::load);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private long count(String key) {
        total.incrementAndGet();
        return counts.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    }

    private void simulate(HttpExchange x) throws IOException {
        if (answerAfterMillis > 0) {
            try {
                Thread.sleep(answerAfterMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        JsonNode body = JSON.readTree(x.getRequestBody().readAllBytes());
        String answer;
        if (x.getRequestURI().getPath().endsWith("/batch")) {
            StringBuilder b = new StringBuilder("{\"results\":[");
            for (JsonNode e : body) {
                String key = e.get("key").asText();
                b.append(b.charAt(b.length() - 1) == '[' ? "" : ",").append("{\"status\":\"success\",\"load\":")
                        .append(count(key)).append(",\"key\":\"").append(key).append("\"}");
            }
            answer = b.append("]}").toString();
        } else {
            String key = body.get("key").asText();
            answer = "{\"status\":\"success\",\"load\":" + count(key) + ",\"key\":\"" + key + "\"}";
        }
        send(x, 200, answer);
    }

    private void load(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        if (path.equals("/load")) {
            send(x, 200, "{\"total\":" + total.get() + ",\"keys\":" + counts.size() + "}");
            return;
        }
        AtomicLong c = counts.get(path.substring("/load/".length()));
        send(x, c == null ? 404 : 200, c == null ? "{}" : "{\"load\":" + c.get() + "}");
    }

    private static void send(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
        x.close();
    }

    @Test
    void openLoopThenVerifyPasses() throws IOException {
        Path out = dir.resolve("open.sum");
        assertThat(BenchTool.commandLine().execute("openloop", "--url", base + "/simulate", "--rate", "50",
                "--seconds", "1", "--connections", "4", "--keys", "5", "--prefix", "t", "--out", out.toString()))
                .isZero();
        SumFile sum = SumFile.read(out);
        assertThat(sum.get("scheduled")).isEqualTo(50);
        assertThat(sum.get("s2xx")).isEqualTo(50);
        assertThat(sum.get("s200")).isEqualTo(50);
        assertThat(sum.get("unanswered")).isZero();
        assertThat(Files.readAllLines(out)).contains("key t-0 10 10");
        assertThat(BenchTool.commandLine().execute("verify", "--api", base, "--load-url", base + "/load",
                "--expected-total", "50", "--keys-file", out.toString(), "--timeout-seconds", "10")).isZero();
        assertThat(BenchTool.commandLine().execute("verify", "--api", base, "--load-url", base + "/load",
                "--expected-total", "51", "--keys-file", out.toString(), "--timeout-seconds", "3")).isEqualTo(1);
    }

    @Test
    void openLoopSendsNoMoreAtOnceThanItsConnectionsAndCountsTheWaitOfRequestsThatFoundThemAllBusy() throws IOException {
        answerAfterMillis = 50; // two connections carry at most 40 answers a second: 60 due in a second must wait
        Path out = dir.resolve("busy.sum");
        assertThat(BenchTool.commandLine().execute("openloop", "--url", base + "/simulate", "--rate", "60",
                "--seconds", "1", "--connections", "2", "--keys", "3", "--prefix", "q", "--out", out.toString()))
                .isZero();
        SumFile sum = SumFile.read(out);
        assertThat(sum.get("s200")).isEqualTo(60);
        assertThat(sum.get("unanswered")).isZero();
        assertThat(sum.get("max_busy_connections")).isEqualTo(2);
        assertThat(sum.get("sent_late")).isPositive();
        // from due time, the wait for a free connection counts; from sending, it does not
        assertThat(sum.get("p99_us")).isGreaterThan(sum.get("svc_p99_us") + 200_000);
        assertThat(sum.get("svc_p50_us")).isGreaterThanOrEqualTo(50_000);
        assertThat(counts.get("q-0").get()).isEqualTo(20);
    }

    @Test
    void batchThenPerKeyVerifyPasses() throws IOException {
        Path out = dir.resolve("batch.sum");
        assertThat(BenchTool.commandLine().execute("batch", "--url", base + "/simulate/batch?ack=count", "--batch",
                "10", "--connections", "2", "--seconds", "0.5", "--keys", "3", "--prefix", "b", "--out",
                out.toString())).isZero();
        SumFile sum = SumFile.read(out);
        assertThat(sum.get("requests")).isPositive();
        assertThat(sum.get("events_success")).isEqualTo(10 * sum.get("requests"));
        assertThat(sum.get("loads_repeated")).isZero();
        assertThat(sum.get("malformed")).isZero();
        assertThat(sum.get("key_mismatch")).isZero();
        assertThat(sum.get("acked_events")).isEqualTo(total.get());
        assertThat(BenchTool.commandLine().execute("verify", "--api", base, "--load-url", base + "/load",
                "--expected-total", String.valueOf(total.get()), "--keys-file", out.toString(), "--per-key-url",
                base + "/load/", "--timeout-seconds", "10")).isZero();
    }
}
