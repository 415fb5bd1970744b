package dev.surge.common.http;

import java.io.ByteArrayOutputStream;
import dev.surge.common.concurrent.Budget;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToIntFunction;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads a request's body into memory before the request reaches Javalin, without holding a thread while the body
 * arrives, so a client that sends its body slowly costs a connection and the bytes it sent (at most {@code maxBytes}
 * plus one network read), never one of Jetty's request threads.
 *
 * <p>Why: Javalin's handlers read the body through the servlet API, which blocks the request thread until the bytes
 * arrive. A few hundred clients that send headers and then one body byte a second held every thread of Jetty's pool
 * (250 in Javalin's default), and every other request waited behind them. Here the body is read with Jetty's
 * {@code Request.demand}: nothing runs until bytes arrive, and copying them takes no thread for longer than that.
 * The request goes on to Javalin once its body is complete or larger than {@code maxBytes}, so the route reads it from
 * memory (ingest-api's route reads at most {@code maxBytes + 1} bytes and refuses a larger body with 413).
 *
 * <p>A body that is not complete {@code timeout} after the request headers were read gets 408 (problem+json, through
 * {@link ProblemErrorHandler}) with {@code Connection: close}. Jetty's own
 * {@code HttpConfiguration.setMinRequestDataRate} was not enough here: Jetty checks the rate only when the servlet
 * calls {@code read()}, after a request thread is already waiting for the bytes.
 *
 * <p>A body over {@code maxBytes} is still read to its end, up to {@link #DRAIN_BYTES} past the limit, and dropped
 * (only the first {@code maxBytes + 1} bytes are kept), so the refusal reaches the client. Otherwise Jetty answers
 * and closes the connection while the client is still sending; closing a socket with unread bytes makes the kernel
 * send a reset, which can reach the client before it has read the answer: it saw "connection reset" instead of 413.
 * A request without a body (no {@code Content-Length} or 0, and not chunked) goes on at once, and so does one whose
 * declared length is over {@code maxBytes + DRAIN_BYTES} (refused by the route before it reads, on a connection
 * that is then closed).
 */
public final class BufferedBodyHandler extends Handler.Wrapper {
    /** How much of a body over the limit is read and dropped so that the client gets its 413: 1 MiB. */
    public static final int DRAIN_BYTES = 1 << 20;
    private final ToIntFunction<Request> maxBytesOf;
    private final Duration timeout;
    /** Body bytes kept now, by every request from its first byte until its answer is written. */
    private final Budget held;

    public BufferedBodyHandler(int maxBytes, Duration timeout) {
        this(request -> maxBytes, timeout, Long.MAX_VALUE);
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes should be at least 1 but was " + maxBytes);
        }
    }

    /**
     * @param maxBytesOf   the limit of each request's body (routes may differ), at least 1
     * @param maxHeldBytes body bytes all requests together may hold, from the first byte read until the answer is
     *                     written: a body that would go over it is refused with 503 and {@code Retry-After}, so that
     *                     large bodies from many connections cannot take the heap
     */
    public BufferedBodyHandler(ToIntFunction<Request> maxBytesOf, Duration timeout, long maxHeldBytes) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout should be greater than 0 but was " + timeout);
        }
        this.maxBytesOf = maxBytesOf;
        this.timeout = timeout;
        this.held = new Budget(maxHeldBytes);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Handler next = getHandler();
        if (next == null) {
            return false;
        }
        boolean chunked = request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING,
                HttpHeaderValue.CHUNKED.asString());
        long declared = chunked ? -1 : request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        int maxBytes = maxBytesOf.applyAsInt(request);
        if (!(chunked || declared > 0) || declared > (long) maxBytes + DRAIN_BYTES) {
            return next.handle(request, response, callback);
        }
        new BodyReader(next, request, response, callback, maxBytes).start();
        return true;
    }

    /** One request's body on its way in: read when Jetty says bytes are there, until complete or timed out. */
    private final class BodyReader implements Invocable.Task {
        private final Handler next;
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final int maxBytes;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        /** Bytes of the body read so far, kept or dropped. */
        private long received;
        /** Bytes counted in {@link #held} for this body; given back once, when it is answered or refused. */
        private long reserved;
        private boolean overBudget;
        /** Guards reading and the end: exactly one of dispatch, timeout and failure ends a reader. */
        private final Object lock = new Object();
        private boolean ended;
        private Scheduler.Task deadline;

        BodyReader(Handler next, Request request, Response response, Callback callback, int maxBytes) {
            this.maxBytes = maxBytes;
            this.next = next;
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        void start() {
            synchronized (lock) {
                deadline = request.getComponents().getScheduler()
                        .schedule(this::timedOut, timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            read(false);
        }

        /** Jetty calls this when bytes (or the end, or a failure) arrived after a {@code demand}. */
        @Override
        public void run() {
            read(true);
        }

        /** Copying bytes does not block, so Jetty may run this on the thread that read them from the socket. */
        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }

        private void read(boolean fromDemand) {
            Content.Chunk failure = null;
            boolean complete = false;
            synchronized (lock) {
                if (ended) {
                    return;
                }
                while (true) {
                    Content.Chunk chunk = request.read();
                    if (chunk == null) {
                        request.demand(this);
                        return;
                    }
                    if (Content.Chunk.isFailure(chunk)) {
                        failure = chunk;
                        end();
                        break;
                    }
                    ByteBuffer bytes = chunk.getByteBuffer();
                    if (bytes != null && bytes.hasRemaining()) {
                        received += bytes.remaining();
                        // Keep up to maxBytes + 1 (enough for the route to see it is too large); drop the rest.
                        int keep = (int) Math.min(bytes.remaining(), (long) maxBytes + 1 - body.size());
                        if (keep > 0 && !held.tryTake(keep)) {
                            overBudget = true;
                            chunk.release();
                            end();
                            break;
                        }
                        if (keep > 0) {
                            reserved += keep;
                            byte[] copy = new byte[keep];
                            bytes.get(copy);
                            body.writeBytes(copy);
                        }
                    }
                    complete = chunk.isLast();
                    chunk.release();
                    if (complete || received > (long) maxBytes + DRAIN_BYTES) {
                        end();
                        break;
                    }
                }
            }
            if (failure != null) {
                fail(failure);
                return;
            }
            if (overBudget) {
                giveBack();
                response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
                response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
                Response.writeError(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503,
                        "This instance holds as many request bodies as it may now; retry after the time in "
                                + "Retry-After.");
                return;
            }
            Request buffered = new BufferedRequest(request, Content.Chunk.from(ByteBuffer.wrap(body.toByteArray()),
                    complete));
            if (fromDemand) {
                // Hand over to a request thread: the route may block, and this may run on Jetty's selector thread.
                request.getContext().execute(() -> dispatch(buffered));
            } else {
                dispatch(buffered);
            }
        }

        private void giveBack() {
            long bytes;
            synchronized (lock) {
                bytes = reserved;
                reserved = 0;
            }
            held.giveBack(bytes);
        }

        private void fail(Content.Chunk failure) {
            giveBack();
            if (failure.isLast()) {
                callback.failed(failure.getFailure());
            } else {
                // Jetty's only transient read failure on HTTP/1.1 is the idle timeout: no byte for the connector's
                // idle timeout (30 s by default) while the body was awaited.
                refuse("No byte of the request body arrived for the connection's idle timeout; "
                        + "the connection is closed.");
            }
        }

        private void timedOut() {
            synchronized (lock) {
                if (ended) {
                    return;
                }
                end();
            }
            giveBack();
            refuse("The request body did not arrive within " + timeout.toMillis() + " ms of the request headers; "
                    + "the connection is closed.");
        }

        private void refuse(String detail) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            Response.writeError(request, response, callback, HttpStatus.REQUEST_TIMEOUT_408, detail);
        }

        private void end() {
            ended = true;
            if (deadline != null) {
                deadline.cancel();
            }
        }

        private void dispatch(Request buffered) {
            Callback answered = Callback.from(callback, this::giveBack);
            try {
                if (!next.handle(buffered, response, answered)) {
                    Response.writeError(request, response, answered, HttpStatus.NOT_FOUND_404);
                }
            } catch (Throwable e) {
                Response.writeError(request, response, answered, e);
            }
        }
    }

    /** The request as the next handler sees it: the body read so far first, then whatever the client still sends. */
    private static final class BufferedRequest extends Request.Wrapper {
        private final AtomicReference<Content.Chunk> buffered;

        BufferedRequest(Request request, Content.Chunk body) {
            super(request);
            this.buffered = new AtomicReference<>(body);
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk body = buffered.getAndSet(null);
            return body != null ? body : super.read();
        }
    }
}
