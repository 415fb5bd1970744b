package dev.surge.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.surge.common.serde.JsonSerde;
import io.javalin.Javalin;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The errors Jetty answers before a route runs are problem+json, like the routes' own: every service installs
 * {@link JsonResponses#installProblemMapping}, which sets {@link ProblemErrorHandler} on Jetty.
 */
class ProblemErrorHandlerTest {
    private Javalin app;

    @BeforeEach
    void start() {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            JsonResponses.installProblemMapping(config);
            config.routes.get("/hello", ctx -> JsonResponses.json(ctx, 200, Map.of("hello", "world")));
        }).start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        app.stop();
    }

    private RawHttp send(String request) {
        return RawHttp.exchange(app.port(), request);
    }

    private static JsonNode problemOf(RawHttp response, int status) throws IOException {
        assertThat(response.status()).isEqualTo(status);
        assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
        JsonNode problem = JsonSerde.MAPPER.readTree(response.body());
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("type").asText()).isEqualTo("urn:surge:problem:http-" + status);
        assertThat(problem.get("title").asText()).isNotBlank();
        assertThat(problem.get("detail").asText()).isNotBlank();
        return problem;
    }

    @Test
    void shouldAnswerAUriTooLongWith414ProblemJson() throws Exception {
        JsonNode problem = problemOf(send("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414);

        assertThat(problem.get("title").asText()).isEqualTo("URI Too Long");
    }

    @Test
    void shouldAnswerHeadersTooLargeWith431ProblemJson() throws Exception {
        JsonNode problem = problemOf(
                send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(100_000) + "\r\n\r\n"), 431);

        assertThat(problem.get("title").asText()).isEqualTo("Request Header Fields Too Large");
    }

    @Test
    void shouldAnswerAControlCharacterInTheRequestLineWith400ProblemJson() throws Exception {
        JsonNode problem = problemOf(send("GET /hel\u0001lo HTTP/1.1\r\nHost: x\r\n\r\n"), 400);

        assertThat(problem.get("detail").asText()).isEqualTo("Illegal character CNTL=0x1");
    }

    @Test
    void shouldAnswerAMissingOrBadHostWith400ProblemJson() throws Exception {
        assertThat(problemOf(send("GET /hello HTTP/1.1\r\n\r\n"), 400).get("detail").asText()).isEqualTo("No Host");
        assertThat(problemOf(send("GET /hello HTTP/1.1\r\nHost: a b\r\n\r\n"), 400).get("detail").asText())
                .isEqualTo("Bad HostPort");
    }

    @Test
    void shouldAnswerAnUnknownHttpVersionWith505ProblemJson() throws Exception {
        assertThat(problemOf(send("GET /hello HTTP/9.9\r\nHost: x\r\n\r\n"), 505).get("detail").asText())
                .isEqualTo("Unknown Version");
    }

    @Test
    void shouldAnswerProblemJsonWhateverTheMethodAndAccept() throws Exception {
        // Jetty's own handler writes no body for PUT, and HTML for Accept: text/html.
        problemOf(send("PUT /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n"
                + "Content-Length: 0\r\n\r\n"), 414);
    }

    @Test
    void shouldAnswerAnUnknownRouteWithTheNotFoundProblem() throws Exception {
        RawHttp response = send("GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
        JsonNode problem = JsonSerde.MAPPER.readTree(response.body());
        assertThat(problem.get("type").asText()).isEqualTo("urn:surge:problem:not-found");
        assertThat(problem.get("title").asText()).isEqualTo("Not found");
        assertThat(problem.get("detail").asText()).isEqualTo("No route GET /nope");
        assertThat(problem.get("instance").asText()).isEqualTo("/nope");
    }

    @Test
    void shouldNameA404JettyAnswersItselfNotFoundToo() {
        Problem problem = ProblemErrorHandler.problem(404, null);

        assertThat(problem.type()).isEqualTo("urn:surge:problem:not-found");
        assertThat(problem.title()).isEqualTo("Not found");
    }

    @Test
    void shouldLeaveTheRoutesAnswersAlone() {
        RawHttp ok = send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("{\"hello\":\"world\"}");
    }
}
