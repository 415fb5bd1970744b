package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.surge.common.event.LoadKey;
import dev.surge.counter.CounterService;
import dev.surge.ingest.IngestServer;
import dev.surge.ingest.admission.ApiKeys;
import dev.surge.testkit.TestKafkaExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The operator console ({@code GET /}) in a real browser, headless Chromium, on a running stack (counter-streams and
 * ingest-api with API keys on, real broker): it asks for the API key, then shows the cluster total that
 * {@code GET /load} reports for the events posted, the top keys with their loads and the events chart; the
 * counter-streams console shows the same total without a key. Each test leaves a screenshot in
 * {@code local-stack/target/console-screenshots/}. The DOM it reads is the console's contract: {@code #total} and
 * {@code #keys} ({@code data-value}), {@code #top [data-key]} ({@code data-load}), {@code #events-chart canvas},
 * {@code #instances tr[data-instance]}, {@code #api-key-form} and {@code #api-key}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserIT {
    @RegisterExtension
    static final TestKafkaExtension KAFKA = new TestKafkaExtension();

    private static final Duration PAGE_DEADLINE = Duration.ofSeconds(30);
    private static final String API_KEY_NAME = "console-it";
    /** A phone's width in CSS pixels (a 420 px wide screen, as issue 12 checks the console on). */
    private static final int PHONE_WIDTH = 420;
    private final String apiKey = UUID.randomUUID().toString();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    /** Every event this class posted, by key: the stack is this class's own, so these are all its counts. */
    private final Map<String, Long> posted = new LinkedHashMap<>();
    private Path keysFile;
    private CounterService counter;
    private IngestServer api;

    @BeforeAll
    void startStack() throws Exception {
        keysFile = Files.createTempFile("surge-console-it-keys", ".txt");
        Files.writeString(keysFile, API_KEY_NAME + ":" + ApiKeys.sha256Hex(apiKey) + "\n");
        Map<String, String> topics = Map.of("load.events.partitions", "2", "ack.partitions", "2");
        counter = InProcessSurge.counter(KAFKA.bootstrapServers(), "surge-counter-console-it", topics);
        Map<String, String> apiSettings = new HashMap<>(topics);
        apiSettings.put("api.keys.file", keysFile.toString());
        api = InProcessSurge.api(KAFKA.bootstrapServers(), "surge-ingest-acks-console-it", List.of(counter),
                apiSettings);
    }

    @AfterAll
    void stopStack() throws Exception {
        if (api != null) {
            api.close();
        }
        if (counter != null) {
            counter.close();
        }
        if (keysFile != null) {
            Files.deleteIfExists(keysFile);
        }
    }

    @Test
    void ingestApiConsoleAsksForTheApiKeyThenShowsTheTotalOfGetLoadTheTopKeysAndTheEventsChart() {
        try (HeadlessChromium browser = HeadlessChromium.start("ingest-api-console")) {
            browser.open("http://127.0.0.1:" + api.port() + "/");
            browser.waitFor("the API key form (keys are on: /stats and /load answer 401 without one)", PAGE_DEADLINE,
                    () -> assertThat(browser.find("#api-key-form").isDisplayed()).isTrue());
            browser.find("#api-key").sendKeys(apiKey, Keys.ENTER);

            Map<String, Long> sent = post(Map.of("console-red", 7, "console-green", 4, "console-blue", 2));
            long total = awaitLoadTotal(api.port(), true);

            browser.waitFor("#total and #keys showing GET /load's total and key count", PAGE_DEADLINE, () -> {
                assertThat(browser.find("#total").getDomAttribute("data-value")).isEqualTo(Long.toString(total));
                assertThat(browser.find("#keys").getDomAttribute("data-value"))
                        .isEqualTo(Integer.toString(posted.size()));
            });
            browser.waitFor("#top rows with the posted keys and their loads", PAGE_DEADLINE,
                    () -> assertThat(topRows(browser)).containsAllEntriesOf(sent));
            browser.waitFor("the events chart drawn", PAGE_DEADLINE,
                    () -> assertThat(browser.findAll("#events-chart canvas")).isNotEmpty());
            browser.waitFor("#instances listing ingest-api and counter-streams", PAGE_DEADLINE,
                    () -> assertThat(browser.findAll("#instances tr[data-instance]")).hasSize(2));
            browser.screenshot();
        }
    }

    @Test
    void counterStreamsConsoleShowsTheSameTotalAsGetLoadWithoutAKey() {
        Map<String, Long> sent = post(Map.of("console-cyan", 5, "console-amber", 3));
        long total = awaitLoadTotal(counter.httpPort(), false);
        assertThat(awaitLoadTotal(api.port(), true)).isEqualTo(total);

        try (HeadlessChromium browser = HeadlessChromium.start("counter-streams-console")) {
            browser.open("http://127.0.0.1:" + counter.httpPort() + "/");

            browser.waitFor("#total showing GET /load's total", PAGE_DEADLINE, () -> assertThat(
                    browser.find("#total").getDomAttribute("data-value")).isEqualTo(Long.toString(total)));
            browser.waitFor("#top rows with the posted keys and their loads", PAGE_DEADLINE,
                    () -> assertThat(topRows(browser)).containsAllEntriesOf(sent));
            assertThat(browser.findAll("#api-key-form")).as("counter-streams' /stats and /load need no key")
                    .noneMatch(WebElement::isDisplayed);
            browser.screenshot();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void ingestApiConsoleFitsAPhoneScreenWithTheLongestKey() {
        // keys are up to 128 characters: the widest row #top can get
        String longKey = "phone-" + "k".repeat(LoadKey.MAX_LENGTH - "phone-".length());
        post(Map.of(longKey, 1));
        try (HeadlessChromium browser = HeadlessChromium.start("ingest-api-console-phone")) {
            browser.driver().manage().window().setSize(new Dimension(PHONE_WIDTH, 900));
            browser.open("http://127.0.0.1:" + api.port() + "/");
            browser.waitFor("the API key form", PAGE_DEADLINE,
                    () -> assertThat(browser.find("#api-key-form").isDisplayed()).isTrue());
            browser.find("#api-key").sendKeys(apiKey, Keys.ENTER);
            browser.waitFor("#top listing the long key", PAGE_DEADLINE,
                    () -> assertThat(topRows(browser)).containsKey(longKey));
            browser.waitFor("the events and latency charts drawn", PAGE_DEADLINE, () -> {
                assertThat(browser.findAll("#events-chart canvas")).isNotEmpty();
                assertThat(browser.findAll("#latency-chart canvas")).isNotEmpty();
            });
            long width = (Long) browser.driver().executeScript("return document.documentElement.clientWidth");
            assertThat(width).as("the page's width in the phone-sized window").isLessThanOrEqualTo(PHONE_WIDTH);

            // Nothing reaches past the screen's right edge but inside a box that scrolls sideways (.scroll: the
            // instances table), and the page itself does not scroll sideways.
            List<String> past = (List<String>) browser.driver().executeScript("""
                    const width = document.documentElement.clientWidth;
                    return [...document.body.querySelectorAll('*')]
                        .filter((e) => !e.closest('.scroll') && e.getClientRects().length > 0)
                        .filter((e) => e.getBoundingClientRect().right > width + 0.5)
                        .map((e) => e.tagName + (e.id ? '#' + e.id : '') + ' right=' + e.getBoundingClientRect().right);
                    """);
            assertThat(past).as("elements past the right edge of a %d px wide page", width).isEmpty();
            assertThat((Long) browser.driver().executeScript("return document.documentElement.scrollWidth"))
                    .as("the page's scroll width").isLessThanOrEqualTo(width);
            browser.screenshot();
        }
    }

    /** {@code #top}'s rows: {@code data-key} to {@code data-load}. */
    private static Map<String, Long> topRows(HeadlessChromium browser) {
        Map<String, Long> rows = new LinkedHashMap<>();
        for (WebElement row : browser.findAll("#top [data-key]")) {
            rows.put(row.getDomAttribute("data-key"), Long.parseLong(row.getDomAttribute("data-load")));
        }
        return rows;
    }

    /**
     * Posts {@code eventsByKey} with the API key, one event at a time, and checks each is counted (200, its running
     * count); returns what was sent, and adds it to {@link #posted}.
     */
    private Map<String, Long> post(Map<String, Integer> eventsByKey) {
        Map<String, Long> sent = new LinkedHashMap<>();
        eventsByKey.forEach((key, events) -> {
            for (int i = 0; i < events; i++) {
                HttpResponse<String> answer = send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + api.port() + "/simulate"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\"}")), true);
                assertThat(answer.statusCode()).as("POST /simulate %s: %s", key, answer.body()).isEqualTo(200);
                long load = json(answer).get("load").asLong();
                assertThat(load).as("running count of %s", key).isEqualTo(posted.merge(key, 1L, Long::sum));
            }
            sent.put(key, posted.get(key));
        });
        return sent;
    }

    /** Waits until {@code GET /load} on {@code port} reports every event posted, and returns its {@code total}. */
    private long awaitLoadTotal(int port, boolean withKey) {
        long expected = posted.values().stream().mapToLong(Long::longValue).sum();
        await("GET /load on " + port + " reporting the " + expected + " events posted").atMost(PAGE_DEADLINE)
                .untilAsserted(() -> {
                    HttpResponse<String> answer = send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/load")).GET(), withKey);
                    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                    assertThat(json(answer).get("total").asLong()).isEqualTo(expected);
                });
        return expected;
    }

    private HttpResponse<String> send(HttpRequest.Builder request, boolean withKey) {
        if (withKey) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        return http.sendAsync(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString())
                .join();
    }

    private static JsonNode json(HttpResponse<String> answer) {
        try {
            return Http.JSON.readTree(answer.body());
        } catch (java.io.IOException e) {
            throw new AssertionError("Not JSON: " + answer.body(), e);
        }
    }
}
