package dev.surge.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for ingest-api on 127.0.0.1, port 0 (JDK HttpServer): counts {@code POST /simulate} and
 * {@code POST /simulate/batch} events per key (an idempotency key seen before gets its first load, marked duplicate),
 * answers {@code GET /load/{key}}, and records every attempt. Behaviours for the tests: a delay per request, one
 * thread for all requests (requests queue), a 503 + Retry-After for the first attempt of each idempotency key, and a
 * count that adds one event twice.
 */
final class StubSurge implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Attempt(long nanos, String key, String idempotencyKey, String authorization) {
    }

    private final HttpServer server;
    private final ExecutorService threads;
    private final Map<String, Long> counts = new ConcurrentHashMap<>();
    private final Map<String, Long> firstLoads = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> attemptsOf = new ConcurrentHashMap<>();
    final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private final AtomicInteger events = new AtomicInteger();
    volatile long delayMillis;
    volatile boolean refuseFirstAttempt;
    /** The n-th event (from 1) is counted twice; 0 for never. */
    volatile int countTwice;

    /** @param serial one thread answers every request in turn (requests wait for the ones before) */
    StubSurge(boolean serial) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        threads = serial ? Executors.newSingleThreadExecutor() : Executors.newCachedThreadPool();
        server.setExecutor(threads);
        server.createContext("/simulate", this::handle);
        server.createContext("/load/", this::load);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    long count(String key) {
        return counts.getOrDefault(key, 0L);
    }

    private synchronized long countEvent(String key, String idempotencyKey) {
        if (idempotencyKey != null && firstLoads.containsKey(key + "/" + idempotencyKey)) {
            return -firstLoads.get(key + "/" + idempotencyKey);
        }
        long load = counts.merge(key, events.incrementAndGet() == countTwice ? 2L : 1L, Long::sum);
        if (idempotencyKey != null) {
            firstLoads.put(key + "/" + idempotencyKey, load);
        }
        return load;
    }

    private boolean refuse(String idempotencyKey) {
        return refuseFirstAttempt && idempotencyKey != null
                && attemptsOf.computeIfAbsent(idempotencyKey, k -> new AtomicInteger()).incrementAndGet() == 1;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis); // the stub's service time
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (exchange.getRequestURI().getPath().equals("/simulate")) {
                String key = body.get("key").asText();
                String idempotencyKey = exchange.getRequestHeaders().getFirst("Idempotency-Key");
                attempts.add(new Attempt(System.nanoTime(), key, idempotencyKey, authorization));
                if (refuse(idempotencyKey)) {
                    exchange.getResponseHeaders().add("Retry-After", "1");
                    send(exchange, 503, "{\"type\":\"urn:surge:problem:overloaded\"}");
                    return;
                }
                long load = countEvent(key, idempotencyKey);
                send(exchange, 200, "{\"status\":\"success\",\"load\":" + Math.abs(load) + ",\"key\":\"" + key + "\""
                        + (load < 0 ? ",\"duplicate\":true" : "") + "}");
            } else {
                StringBuilder results = new StringBuilder("{\"results\":[");
                for (int i = 0; i < body.size(); i++) {
                    String key = body.get(i).get("key").asText();
                    String idempotencyKey = body.get(i).path("idempotencyKey").asText(null);
                    attempts.add(new Attempt(System.nanoTime(), key, idempotencyKey, authorization));
                    long load = countEvent(key, idempotencyKey);
                    results.append(i == 0 ? "" : ",").append("{\"status\":\"success\",\"load\":")
                            .append(Math.abs(load)).append(",\"key\":\"").append(key).append("\"}");
                }
                send(exchange, 200, results.append("]}").toString());
            }
        }
    }

    private void load(HttpExchange exchange) throws IOException {
        try (exchange) {
            String key = exchange.getRequestURI().getPath().substring("/load/".length());
            send(exchange, 200, "{\"key\":\"" + key + "\",\"load\":" + count(key) + "}");
        }
    }

    private static void send(HttpExchange exchange, int status, String body) {
        try {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
