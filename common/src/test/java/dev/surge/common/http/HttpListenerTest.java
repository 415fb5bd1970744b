package dev.surge.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import io.javalin.http.servlet.JavalinServlet;
import io.javalin.jetty.JavalinJettyServlet;
import java.lang.reflect.Field;
import kotlin.Lazy;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A service's first requests, sent all at once the moment it listens, are answered like any later one. Javalin 7.2.3
 * sets up its servlet on the first request without synchronization, and two first requests at once got a 500 (a
 * {@code NullPointerException} in {@code JavalinServlet.getServletContextConfig}); {@link HttpListener} sends one
 * request in process before it accepts connections.
 */
class HttpListenerTest {
    private static final int CLIENTS = 32;

    @Test
    void shouldAnswerConcurrentFirstRequestsLikeLaterOnes() throws Exception {
        HttpListener listener = new HttpListener();
        Javalin app = Javalin.create(config -> {
            listener.install(config);
            config.startup.showJavalinBanner = false;
            config.routes.get("/hello", ctx -> JsonResponses.json(ctx, 200, Map.of("hello", "world")));
        });
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            listener.start(app, "127.0.0.1", 0);
            assertThat(listener.port()).isEqualTo(app.port()).isPositive();
            assertThat(servletSetUp(app)).as("Javalin's servlet set up before the first connection").isTrue();
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                statuses.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return RawHttp.exchange(listener.port(), "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                            .status();
                }, clients));
            }
            go.countDown();

            assertThat(statuses).allSatisfy(status -> assertThat(status.get(20, TimeUnit.SECONDS)).isEqualTo(200));
        } finally {
            clients.shutdownNow();
            app.stop();
        }
    }

    @Test
    void shouldNotCompressAnswersEvenWhenTheClientAcceptsGzip() throws Exception {
        HttpListener listener = new HttpListener();
        String large = "x".repeat(20_000); // past Javalin's 1,500-byte threshold for compressing
        Javalin app = Javalin.create(config -> {
            listener.install(config);
            config.startup.showJavalinBanner = false;
            config.routes.get("/large", ctx -> JsonResponses.json(ctx, 200, Map.of("text", large)));
        });
        try {
            listener.start(app, "127.0.0.1", 0);
            RawHttp answer = RawHttp.exchange(listener.port(),
                    "GET /large HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");

            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.headers()).doesNotContainKey("content-encoding");
        } finally {
            app.stop();
        }
    }

    /**
     * Whether Javalin's servlet has computed its context configuration (the lazy that races): read by reflection,
     * because the race itself is too narrow to hit reliably in a test.
     */
    private static boolean servletSetUp(Javalin app) throws Exception {
        ServletHolder holder = app.jettyServer().server().getContainedBeans(ServletHolder.class).stream()
                .filter(candidate -> candidate.getServletInstance() instanceof JavalinJettyServlet)
                .findFirst().orElseThrow();
        Field httpServlet = JavalinJettyServlet.class.getDeclaredField("httpServlet");
        httpServlet.setAccessible(true);
        JavalinServlet servlet = (JavalinServlet) httpServlet.get(holder.getServletInstance());
        Field lazy = JavalinServlet.class.getDeclaredField("servletContextConfig$delegate");
        lazy.setAccessible(true);
        return ((Lazy<?>) lazy.get(servlet)).isInitialized();
    }
}
