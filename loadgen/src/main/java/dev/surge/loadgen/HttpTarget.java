package dev.surge.loadgen;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The run's HTTP client, on Netty: HTTP/1.1 keep-alive connections, at most one request per connection, as many
 * connections as requests are in flight at once (SpikeRun caps those at --max-in-flight), all on one event-loop
 * thread ({@code -Dspike.eventLoops=N} for more), on Linux's epoll transport where its native library loads
 * ({@code -Dspike.transport=nio} for Java's NIO, the fallback elsewhere). Requests are written as prepared bytes (request line and fixed
 * headers encoded once per URI); answers are read by Netty's HTTP/1.1 response decoder into status, Retry-After and
 * body. A sweep on the event loop every tenth of the timeout (1 to 100 ms) fails the requests past it; a request
 * whose connection is lost, or that times out, fails (an {@link Answer} with its failure) and its connection is closed; the next request opens a new one.
 * Every request carries the API key when there is one; nothing here waits on a thread, and callbacks run on the event
 * loop (they must not block).
 */
public final class HttpTarget implements AutoCloseable {
    /** Largest answer kept: a batch of 1,000 results is about 100 KB. */
    private static final int MAX_ANSWER_BYTES = 4 << 20;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] CONTENT_LENGTH = "Content-Length: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IDEMPOTENCY_KEY = "Idempotency-Key: ".getBytes(StandardCharsets.US_ASCII);

    /** An answer (status, body, Retry-After header) or a failure (no answer: timeout, connection lost). */
    public record Answer(int status, byte[] body, String retryAfter, Throwable failure) {
        public boolean failed() {
            return failure != null;
        }
    }

    public interface Callback {
        void answered(Answer answer);
    }

    private final URI target;
    private final InetSocketAddress address;
    private final String hostHeader;
    private final String authorization;
    private final long timeoutMillis;
    private final long timeoutNanos;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    /** The loop that runs {@link #at} tasks. */
    private final EventLoop arrivalLoop;
    /** Per event loop, its connections; each only touched on its loop. */
    private final Map<EventLoop, Connections> connections = new HashMap<>();
    /** The request line and fixed headers of a POST to each URI (a run posts to one or two). */
    private final ConcurrentHashMap<URI, byte[]> postHeads = new ConcurrentHashMap<>();

    HttpTarget(Scenario scenario) {
        this(scenario.target(), scenario.apiKey().map(ApiKey::authorization).orElse(null), scenario.timeout());
    }

    /**
     * A client for {@code target} (scheme, host and port; paths resolve against it). {@code authorization} is the
     * Authorization header's value on every request, or null for none; a request with no answer within
     * {@code timeout} fails.
     */
    public HttpTarget(URI target, String authorization, Duration timeout) {
        this.target = target;
        int port = target.getPort() == -1 ? 80 : target.getPort();
        this.address = new InetSocketAddress(target.getHost(), port);
        this.hostHeader = target.getHost() + (target.getPort() == -1 ? "" : ":" + target.getPort());
        this.authorization = authorization;
        this.timeoutMillis = timeout.toMillis();
        this.timeoutNanos = timeout.toNanos();
        boolean epoll = !"nio".equals(System.getProperty("spike.transport")) && Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(Integer.getInteger("spike.eventLoops", 1),
                new DefaultThreadFactory("spike-http", true), io);
        this.arrivalLoop = group.next();
        // timeouts: a sweep of the loop's connections every tenth of the timeout (1 to 100 ms), not a timer per request
        long sweepNanos = Math.max(1_000_000L, Math.min(100_000_000L, timeoutNanos / 10));
        for (EventExecutor executor : group) {
            Connections loopConnections = new Connections();
            connections.put((EventLoop) executor, loopConnections);
            executor.scheduleAtFixedRate(loopConnections::sweep, sweepNanos, sweepNanos, TimeUnit.NANOSECONDS);
        }
        this.bootstrap = new Bootstrap().group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        // answers are Surge's own: no header validation, no decompression
                        HttpDecoderConfig config = new HttpDecoderConfig()
                                .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValidation(false))
                                .setMaxChunkSize(1 << 16);
                        channel.pipeline().addLast(new HttpResponseDecoder(config), new Connection());
                    }
                });
    }

    /** The URI of {@code pathAndQuery} on the target, parsed once: a run posts to one URI. */
    public URI uri(String pathAndQuery) {
        return target.resolve(pathAndQuery);
    }

    /** POSTs {@code json} to {@code uri}; {@code callback} gets the answer on the client's event loop. */
    public void post(URI uri, byte[] json, String idempotencyKey, Callback callback) {
        byte[] head = postHeads.computeIfAbsent(uri, u -> head("POST", u, "Content-Type: application/json\r\n"));
        byte[] length = Integer.toString(json.length).getBytes(StandardCharsets.US_ASCII);
        byte[] key = idempotencyKey == null ? null : idempotencyKey.getBytes(StandardCharsets.ISO_8859_1);
        int size = head.length + CONTENT_LENGTH.length + length.length + 2
                + (key == null ? 0 : IDEMPOTENCY_KEY.length + key.length + 2) + 2 + json.length;
        byte[] request = new byte[size];
        int at = put(request, 0, head);
        at = put(request, at, CONTENT_LENGTH);
        at = put(request, at, length);
        at = put(request, at, CRLF);
        if (key != null) {
            at = put(request, at, IDEMPOTENCY_KEY);
            at = put(request, at, key);
            at = put(request, at, CRLF);
        }
        at = put(request, at, CRLF);
        put(request, at, json);
        send(request, callback);
    }

    /** GETs {@code path}; the future completes with the answer or the failure, never exceptionally. */
    CompletableFuture<Answer> get(String path) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        byte[] head = head("GET", target.resolve(path), "");
        byte[] request = Arrays.copyOf(head, head.length + 2);
        put(request, head.length, CRLF);
        send(request, answer::complete);
        return answer;
    }

    private byte[] head(String method, URI uri, String headers) {
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        return (method + " " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\n" + headers
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n"))
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    private static int put(byte[] into, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, into, at, bytes.length);
        return at + bytes.length;
    }

    /**
     * Runs {@code task} on the client's event loop once {@code System.nanoTime()} reaches {@code dueNanos} (or soon
     * after; it may be run a little early, a task checks the time). Requests sent from it go out on that loop
     * without a thread handoff. The task must not block.
     */
    public void at(long dueNanos, Runnable task) {
        arrivalLoop.schedule(task, dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    private void send(byte[] request, Callback callback) {
        EventLoop loop = group.next();
        if (loop.inEventLoop()) {
            sendOnLoop(loop, request, callback);
        } else {
            loop.execute(() -> sendOnLoop(loop, request, callback));
        }
    }

    private void sendOnLoop(EventLoop loop, byte[] request, Callback callback) {
        Connection idle;
        while ((idle = connections.get(loop).idle.pollLast()) != null) {
            if (idle.context.channel().isActive()) {
                idle.start(request, callback);
                return;
            }
        }
        ChannelFuture connecting = bootstrap.clone(loop).connect(address);
        connecting.addListener((ChannelFuture connected) -> {
            if (connected.isSuccess()) {
                connected.channel().pipeline().get(Connection.class).start(request, callback);
            } else {
                callback.answered(new Answer(0, null, null, connected.cause()));
            }
        });
    }

    /** One loop's connections: the idle ones, and all open ones for the timeout sweep. */
    private final class Connections {
        final ArrayDeque<Connection> idle = new ArrayDeque<>();
        final List<Connection> open = new ArrayList<>();

        void sweep() {
            long now = System.nanoTime();
            for (int i = open.size() - 1; i >= 0; i--) {
                Connection connection = open.get(i);
                if (connection.callback != null && now - connection.deadline >= 0) {
                    connection.fail(new TimeoutException("no answer within " + timeoutMillis + " ms"));
                }
            }
        }
    }

    /** One connection's request in flight and the answer being read; only touched on the connection's loop. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        private ChannelHandlerContext context;
        private Callback callback;
        private long deadline;
        private int status;
        private String retryAfter;
        private boolean keepAlive;
        private byte[] body = new byte[256];
        private int bodyLength;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.context = ctx;
            connections.get(ctx.channel().eventLoop()).open.add(this);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            connections.get(ctx.channel().eventLoop()).open.remove(this);
        }

        void start(byte[] request, Callback callback) {
            this.callback = callback;
            status = 0;
            retryAfter = null;
            bodyLength = 0;
            deadline = System.nanoTime() + timeoutNanos;
            context.writeAndFlush(Unpooled.wrappedBuffer(request)).addListener(written -> {
                if (!written.isSuccess()) {
                    fail(written.cause());
                }
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            try {
                if (callback == null) {
                    return; // an answer nobody waits for (after a timeout): the connection is being closed
                }
                if (message instanceof HttpResponse response) {
                    if (!response.decoderResult().isSuccess()) {
                        fail(response.decoderResult().cause());
                        return;
                    }
                    status = response.status().code();
                    retryAfter = response.headers().get(HttpHeaderNames.RETRY_AFTER);
                    keepAlive = HttpUtil.isKeepAlive(response);
                }
                if (message instanceof HttpContent content) {
                    ByteBuf bytes = content.content();
                    int n = bytes.readableBytes();
                    if (bodyLength + n > MAX_ANSWER_BYTES) {
                        fail(new IOException("answer larger than " + MAX_ANSWER_BYTES + " bytes"));
                        return;
                    }
                    if (bodyLength + n > body.length) {
                        body = Arrays.copyOf(body, Math.max(body.length * 2, bodyLength + n));
                    }
                    bytes.getBytes(bytes.readerIndex(), body, bodyLength, n);
                    bodyLength += n;
                    if (content instanceof LastHttpContent) {
                        complete();
                    }
                }
            } finally {
                ReferenceCountUtil.release(message);
            }
        }

        private void complete() {
            Callback answered = callback;
            callback = null;
            Answer answer = new Answer(status, Arrays.copyOf(body, bodyLength), retryAfter, null);
            if (keepAlive) {
                connections.get(context.channel().eventLoop()).idle.addLast(this);
            } else {
                context.close();
            }
            answered.answered(answer);
        }

        private void fail(Throwable cause) {
            Callback failed = callback;
            callback = null;
            context.close();
            if (failed != null) {
                failed.answered(new Answer(0, null, null, cause));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (callback != null) {
                fail(new IOException("connection closed before the answer"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
