package dev.surge.stack;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * A bounded, closed-loop load for the failover tests: {@code clients} threads, each POSTing {@code /simulate} to
 * 127.0.0.1 over a fixed set of keys, one request at a time, until {@link #stop()} (or a hard deadline). Every answer
 * is recorded with when it was sent and when it came back.
 */
final class SteadyLoad implements AutoCloseable {
    /** One answer: status, key, the count for a 200 (else -1), and nanoTime stamps. */
    record Answer(String key, int status, long load, long sentNanos, long answeredNanos) {
    }

    private final List<String> keys;
    private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final List<Thread> clients = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final long deadlineNanos;
    private volatile boolean running = true;

    private SteadyLoad(List<String> keys, long deadlineNanos) {
        this.keys = keys;
        this.deadlineNanos = deadlineNanos;
    }

    static SteadyLoad start(int apiPort, String keyPrefix, int keyCount, int clients, Duration hardLimit) {
        List<String> keys = IntStream.range(0, keyCount).mapToObj(i -> keyPrefix + i).toList();
        SteadyLoad load = new SteadyLoad(keys, System.nanoTime() + hardLimit.toNanos());
        for (int c = 0; c < clients; c++) {
            int first = c;
            Thread thread = new Thread(() -> load.run(apiPort, first), "steady-load-" + c);
            thread.setDaemon(true);
            load.clients.add(thread);
            thread.start();
        }
        return load;
    }

    private void run(int apiPort, int first) {
        URI uri = URI.create("http://127.0.0.1:" + apiPort + "/simulate");
        for (int i = first; running && System.nanoTime() < deadlineNanos; i++) {
            String key = keys.get(i % keys.size());
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\"}")).build();
            long sent = System.nanoTime();
            int status;
            long load = -1;
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                status = response.statusCode();
                if (status == 200) {
                    load = Http.JSON.readTree(response.body()).get("load").asLong();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                status = -1; // no answer at all (connection refused or reset)
            }
            answers.add(new Answer(key, status, load, sent, System.nanoTime()));
        }
    }

    List<String> keys() {
        return keys;
    }

    List<Answer> answers() {
        return List.copyOf(answers);
    }

    long count(int status) {
        return answers.stream().filter(a -> a.status() == status).count();
    }

    /** Answers with {@code status} to requests sent at or after {@code sinceNanos}. */
    long countSince(int status, long sinceNanos) {
        return answers.stream().filter(a -> a.status() == status && a.sentNanos() >= sinceNanos).count();
    }

    /**
     * When the answers with {@code status} were sent and how long each took, in ms relative to {@code originNanos}:
     * for a failure message.
     */
    String timesOf(int status, long originNanos) {
        return answers.stream().filter(a -> a.status() == status)
                .map(a -> describe(a, originNanos)).limit(20).toList().toString();
    }

    /**
     * The {@code limit} slowest answers to requests sent at or after {@code sinceNanos}, slowest first, in ms relative
     * to {@code sinceNanos}: how close a run came to ingest-api's ack timeout.
     */
    String slowestSince(long sinceNanos, int limit) {
        return answers.stream().filter(a -> a.sentNanos() >= sinceNanos)
                .sorted(java.util.Comparator.comparingLong((Answer a) -> a.answeredNanos() - a.sentNanos()).reversed())
                .limit(limit)
                .map(a -> a.status() + " " + describe(a, sinceNanos)).toList().toString();
    }

    /** "KEY sent +T ms took D ms", T relative to {@code originNanos}. */
    private static String describe(Answer answer, long originNanos) {
        return String.format(java.util.Locale.ROOT, "%s sent %+d ms took %d ms", answer.key(),
                (answer.sentNanos() - originNanos) / 1_000_000, (answer.answeredNanos() - answer.sentNanos()) / 1_000_000);
    }

    long answeredSince(long nanos) {
        return answers.stream().filter(a -> a.sentNanos() >= nanos).count();
    }

    /** Answers by status, e.g. {200=1510, 202=12}. */
    Map<Integer, Long> statuses() {
        Map<Integer, Long> byStatus = new TreeMap<>();
        answers.forEach(a -> byStatus.merge(a.status(), 1L, Long::sum));
        return byStatus;
    }

    /** The longest time, over the whole run, in which no request got a 200 (between consecutive 200 answers). */
    Duration longestStretchWithout200() {
        return longestStretchWithout200Since(Long.MIN_VALUE);
    }

    /**
     * The longest time from {@code sinceNanos} on in which no request got a 200: from {@code sinceNanos} to the first
     * 200 answered after it, and between consecutive 200 answers after that.
     */
    Duration longestStretchWithout200Since(long sinceNanos) {
        long[] times = answers.stream().filter(a -> a.status() == 200 && a.answeredNanos() >= sinceNanos)
                .mapToLong(Answer::answeredNanos).sorted().toArray();
        long longest = 0;
        long previous = sinceNanos == Long.MIN_VALUE && times.length > 0 ? times[0] : sinceNanos;
        for (long time : times) {
            longest = Math.max(longest, time - previous);
            previous = time;
        }
        return Duration.ofNanos(longest);
    }

    /**
     * For every key, from {@code sinceNanos} to the first 200 answer for that key sent after it; the longest of these.
     * Empty when some key has no such answer yet.
     */
    java.util.Optional<Duration> slowestKeyBackSince(long sinceNanos) {
        long slowest = 0;
        for (String key : keys) {
            java.util.OptionalLong first = answers.stream()
                    .filter(a -> a.key().equals(key) && a.status() == 200 && a.sentNanos() >= sinceNanos)
                    .mapToLong(Answer::answeredNanos).min();
            if (first.isEmpty()) {
                return java.util.Optional.empty();
            }
            slowest = Math.max(slowest, first.getAsLong() - sinceNanos);
        }
        return java.util.Optional.of(Duration.ofNanos(slowest));
    }

    /** Stops sending and waits for the requests in flight to be answered. */
    void stop() throws InterruptedException {
        running = false;
        for (Thread client : clients) {
            client.join(TimeUnit.SECONDS.toMillis(40));
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
