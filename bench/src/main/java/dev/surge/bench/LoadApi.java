package dev.surge.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads counts from a Surge stack: GET /load's total, GET /load/{key}'s load; and POSTs the check's own events. */
final class LoadApi {
    static final Pattern TOTAL = Pattern.compile("\"total\"\\s*:\\s*(\\d+)");
    static final Pattern LOAD = Pattern.compile("\"load\"\\s*:\\s*(\\d+)");

    final HttpClient client;

    LoadApi(int threads) {
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "bench-http");
                    t.setDaemon(true);
                    return t;
                })).build();
    }

    /** The cluster total from the first GET /load that answers 200 with a "total", or empty. */
    OptionalLong total(List<String> urls) {
        for (String url : urls) {
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    OptionalLong total = number(TOTAL, r.body());
                    if (total.isPresent()) {
                        return total;
                    }
                }
            } catch (IOException e) {
                // no such service here: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return OptionalLong.empty();
    }

    /** GET BASE/KEY's "load"; 0 for 404 (never counted); -1 when it cannot be read now. */
    long keyLoad(String base, String key) {
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + key))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 404) {
                return 0;
            }
            OptionalLong load = number(LOAD, r.body());
            return r.statusCode() == 200 && load.isPresent() ? load.getAsLong() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The first number after the pattern's field name in a JSON body, or empty. */
    static OptionalLong number(Pattern field, String body) {
        Matcher m = field.matcher(body);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }
}
