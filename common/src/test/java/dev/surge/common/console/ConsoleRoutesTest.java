package dev.surge.common.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.common.http.JsonResponses;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The console is served by the service itself, from its jar, and loads nothing from anywhere else. */
class ConsoleRoutesTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private Javalin app;

    @BeforeEach
    void start() {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            JsonResponses.installProblemMapping(config);
            ConsoleRoutes.install(config, ctx -> JsonResponses.json(ctx, 200, Map.of("stats", true)));
        }).start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        app.stop();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServeThePageWithAPolicyThatAllowsOnlyItsOwnOrigin() throws Exception {
        HttpResponse<String> page = get("/");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/html"));
        assertThat(page.headers().firstValue("Content-Security-Policy")).contains(ConsoleRoutes.CSP);
        assertThat(page.body()).contains("id=\"events-chart\"", "id=\"total\"", "/console/console.js",
                "/console/uPlot.iife.min.js");
        // every script, style sheet and link the page names is its own
        assertThat(page.body()).doesNotContain("http://", "https://", "//cdn");
    }

    @Test
    void shouldServeTheScriptsStylesAndTheBundledChartLibrary() throws Exception {
        for (Map.Entry<String, String> file : Map.of("console.js", "text/javascript", "console.css", "text/css",
                "uPlot.iife.min.js", "text/javascript", "uPlot.min.css", "text/css").entrySet()) {
            HttpResponse<String> asset = get("/console/" + file.getKey());
            assertThat(asset.statusCode()).as(file.getKey()).isEqualTo(200);
            assertThat(asset.headers().firstValue("Content-Type").orElseThrow()).startsWith(file.getValue());
            assertThat(asset.body()).as(file.getKey()).isNotBlank();
        }
        assertThat(get("/console/uPlot.iife.min.js").body()).contains("uPlot");
    }

    @Test
    void shouldAnswerAnUnknownFileWith404ProblemJson() throws Exception {
        HttpResponse<String> missing = get("/console/..%2Fpom.xml");

        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("Content-Type")).contains("application/problem+json");
    }

    @Test
    void shouldHandStatsToTheServicesHandler() throws Exception {
        HttpResponse<String> stats = get("/stats");

        assertThat(stats.statusCode()).isEqualTo(200);
        assertThat(stats.body()).isEqualTo("{\"stats\":true}");
    }
}
