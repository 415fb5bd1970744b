package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Keys;

/**
 * {@link HeadlessChromium} against a small page of its own, served by the JDK's HTTP server on 127.0.0.1: the page's
 * script runs and fetches from the server, typing into a form submits it, the screenshot is a PNG of the whole page
 * (longer than the fixed window), the browser console log is collected, and a wait that runs out reports it.
 */
class HeadlessChromiumIT {
    private static final String PAGE = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>HeadlessChromium check</title></head>
            <body style="background:#123">
            <form id="name-form"><input id="name" type="text" autocomplete="off"></form>
            <p id="greeting"></p><p id="count"></p>
            <div style="height: 2000px"></div><p id="bottom">the end of a page longer than the window</p>
            <script>
              console.error('check: the page logs this');
              document.getElementById('name-form').addEventListener('submit', event => {
                event.preventDefault();
                document.getElementById('greeting').textContent = 'hello ' + document.getElementById('name').value;
                fetch('/count').then(answer => answer.json()).then(answer => {
                  const count = document.getElementById('count');
                  count.dataset.value = answer.count;
                  count.textContent = answer.count;
                });
              });
            </script>
            </body></html>
            """;
    private final AtomicInteger fetches = new AtomicInteger();
    private HttpServer server;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().equals("/")) {
                answer(exchange, "text/html; charset=utf-8", PAGE);
            } else if (exchange.getRequestURI().getPath().equals("/count")) {
                answer(exchange, "application/json", "{\"count\":" + fetches.incrementAndGet() + "}");
            } else {
                answer(exchange, 404, "text/plain", "not here");
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void answer(HttpExchange exchange, String type, String body) throws IOException {
        answer(exchange, 200, type, body);
    }

    private static void answer(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    @Test
    void shouldRunThePagesScriptSubmitItsFormAndSaveAScreenshotOfTheWholePage() throws IOException {
        Path png;
        List<?> page;
        try (HeadlessChromium browser = HeadlessChromium.start("headless-chromium-check")) {
            browser.open(url());
            browser.find("#name").sendKeys("surge", Keys.ENTER);

            browser.waitFor("the greeting and the count fetched by the page", Duration.ofSeconds(10), () -> {
                assertThat(browser.find("#greeting").getText()).isEqualTo("hello surge");
                assertThat(browser.find("#count").getDomAttribute("data-value")).isEqualTo("1");
            });
            page = (List<?>) browser.driver().executeScript("return [innerWidth, innerHeight,"
                    + " document.documentElement.clientWidth, document.documentElement.scrollHeight]");
            png = browser.screenshot();
            assertThat(browser.consoleLog()).anySatisfy(line -> assertThat(line).contains("check: the page logs this"));
        }

        assertThat(fetches).hasValue(1);
        assertThat(png).isEqualTo(HeadlessChromium.SCREENSHOTS.resolve("headless-chromium-check.png"));
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes).startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
        ByteBuffer header = ByteBuffer.wrap(bytes, 16, 8);
        int width = header.getInt();
        int height = header.getInt();
        assertThat(((Number) page.get(0)).intValue()).as("window width").isEqualTo(HeadlessChromium.WIDTH);
        assertThat(width).as("screenshot width: the viewport's, less a scrollbar")
                .isEqualTo(((Number) page.get(2)).intValue());
        assertThat(height).as("screenshot height: the whole page's").isEqualTo(((Number) page.get(3)).intValue())
                .isGreaterThan(((Number) page.get(1)).intValue());
    }

    @Test
    void shouldFailAWaitThatRunsOutWithTheBrowserConsoleLogAndAScreenshot() throws IOException {
        Path failed = HeadlessChromium.SCREENSHOTS.resolve("headless-chromium-timeout-failed.png");
        Files.deleteIfExists(failed);
        try (HeadlessChromium browser = HeadlessChromium.start("headless-chromium-timeout")) {
            browser.open(url());

            assertThatThrownBy(() -> browser.waitFor("an element the page never has", Duration.ofSeconds(1),
                    () -> browser.find("#never")))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("an element the page never has: not within PT1S")
                    .hasMessageContaining("page: " + url())
                    .hasMessageContaining("check: the page logs this")
                    .hasMessageContaining(failed.toAbsolutePath().toString());
        }
        assertThat(failed).isNotEmptyFile();
    }
}
