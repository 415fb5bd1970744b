package dev.surge.common.http;

import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.JavalinConfig;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Where a service's Javalin listens: one TCP connector on a host and port, with a deep accept queue and a bounded
 * number of connections, each holding little memory, that takes no connection until one request has been through the
 * whole handler chain in process.
 *
 * <p>Why the warm-up request: Javalin 7.2.3's servlet computes its context configuration on the first request with
 * an unsynchronized lazy ({@code javalinLazy}, thread-safety mode NONE), so two first requests at once can fail with
 * a {@link NullPointerException} (a 500): seen here when a test sent two at once. A request sent through a
 * {@link LocalConnector} before the TCP connector accepts settles it; connections that arrive meanwhile wait in the
 * accept queue.
 *
 * <p>Why no compression: Javalin wraps every answer in a stream that decides, on the first write, whether to
 * compress it (by size, content type and the client's {@code Accept-Encoding}). Surge's answers are a few hundred
 * bytes and go to clients on the same network; in a profile of ingest-api under load (BENCHMARKS.md, "Where the time
 * goes") that check was 13 % of the samples of the threads that write answers, and it never compressed one.
 *
 * <p>Why the accept queue: Java's default listen backlog, 50, overflowed when thousands of clients connected at once
 * (the kernel counted {@code ListenOverflows}); the kernel then drops the handshake's last packet, the client believes
 * it is connected and sends its request, which waits for retransmissions, seconds, before it is read (wrk counted such
 * requests as timeouts). The kernel caps the queue at {@code net.core.somaxconn}.
 */
public final class HttpListener {
    /** Connections the kernel may hold established until Jetty accepts them (the listen backlog). */
    public static final int ACCEPT_QUEUE = 4096;
    /**
     * Open connections at most; at the limit Jetty stops accepting (new ones wait in the accept queue) until one
     * closes. Each holds tens of KB of heap (10,000 connections from wrk: 326 MB of live heap in ingest-api with a
     * header cache of 256, three quarters of it the parser's tables), so this bounds what connections can take.
     */
    public static final int MAX_CONNECTIONS = 12_000;
    /**
     * The characters of the header fields Jetty's parser keeps per connection, to reuse a repeated header without
     * parsing it again. Jetty's default, 1,024, is a table of 1,024 x 22 chars (45 KB) per connection, allocated
     * twice per connection here: 3,000 connections held 295 MB of {@code char[]} (a heap histogram while wrk held them
     * open), and 6,000 ran ingest-api's 512 MB heap out. 128 still holds the few short headers a client repeats (Host,
     * Content-Type).
     */
    static final int HEADER_CACHE_CHARS = 128;
    private static final String WARM_UP = "GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    private String host;
    private int port;
    private ServerConnector tcp;
    private LocalConnector local;

    /** Adds the connectors to {@code config}; {@link #start} opens them. */
    public void install(JavalinConfig config) {
        config.http.compressionStrategy = CompressionStrategy.NONE;
        config.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheSize(HEADER_CACHE_CHARS));
        // Javalin calls these in start(), after start(javalin, host, port) has set host and port.
        config.jetty.addConnector((server, http) -> {
            tcp = new ServerConnector(server, new HttpConnectionFactory(http));
            tcp.setHost(host);
            tcp.setPort(port);
            tcp.setAcceptQueueSize(ACCEPT_QUEUE);
            tcp.setAccepting(false);
            server.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, tcp));
            return tcp;
        });
        config.jetty.addConnector((server, http) -> local = new LocalConnector(server, new HttpConnectionFactory(http)));
    }

    /**
     * Starts {@code javalin} listening on {@code host:port} (0: any free port), and accepts connections once a first
     * request has been answered in process.
     */
    public void start(Javalin javalin, String host, int port) {
        this.host = host;
        this.port = port;
        javalin.start();
        try {
            String answer = local.getResponse(WARM_UP);
            if (answer == null || !answer.startsWith("HTTP/1.1 ")) {
                throw new IllegalStateException("The in-process warm-up request got no HTTP answer: " + answer);
            }
            // Its acceptor thread is one of the few request threads.
            local.stop();
        } catch (Exception e) {
            javalin.stop();
            throw new IllegalStateException("HTTP did not start: the warm-up request failed", e);
        }
        tcp.setAccepting(true);
    }

    /** The TCP port, once started. */
    public int port() {
        return tcp.getLocalPort();
    }
}
