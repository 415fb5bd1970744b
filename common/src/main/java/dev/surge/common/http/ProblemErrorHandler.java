package dev.surge.common.http;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's error handler, answering {@code application/problem+json} instead of Jetty's HTML page. Jetty calls it for
 * the errors it produces itself, before or outside Javalin's routes: a request line, URI or header it cannot parse or
 * that is too large (400, 414, 431, 505), a request body that did not arrive in time (408, from
 * {@link BufferedBodyHandler}), and any other {@code Response.writeError} in Jetty's handlers. Javalin's servlet
 * context has no error handler of its own, so Jetty falls back to this one there too.
 *
 * <p>Jetty's default handler writes no body for methods other than GET, POST and HEAD, and none when the client's
 * {@code Accept} excludes HTML, JSON and plain text; this one always writes the problem (unless the status has no
 * body). The {@code instance} is left out: for a request line Jetty could not parse, the request it hands here is a
 * stand-in whose path is not the client's.
 */
public final class ProblemErrorHandler implements Request.Handler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        String message = request.getAttribute(ErrorHandler.ERROR_MESSAGE) instanceof String text ? text : null;
        Object cause = request.getAttribute(ErrorHandler.ERROR_EXCEPTION);
        if (cause instanceof HttpException http) {
            status = http.getCode();
            response.setStatus(status);
            if (message == null) {
                message = http.getReason();
            }
        }
        response.getHeaders().put(ErrorHandler.ERROR_CACHE_CONTROL);
        if (HttpStatus.hasNoBody(status)) {
            callback.succeeded();
            return true;
        }
        boolean messageIsJettys = cause == null || cause instanceof HttpException;
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.CONTENT_TYPE);
        response.write(true, ByteBuffer.wrap(JsonResponses.toJson(problem(status, messageIsJettys ? message : null))),
                callback);
        return true;
    }

    /**
     * The problem for {@code status}: the type names the status (a 404 is {@code not-found}, as the routes' own), the title is its reason phrase, the detail is
     * Jetty's message (e.g. "Illegal character CNTL=0x1", "No Host"). {@code message} is null when Jetty's message
     * would be an exception's {@code toString()}, which may carry internals: a server error then gets the same detail
     * as the route handlers' 500 (Jetty logs the exception).
     */
    static Problem problem(int status, String message) {
        if (status == HttpStatus.NOT_FOUND_404) {
            // as the routes' 404 (JsonResponses): the type the OpenAPI document names
            return Problem.of(status, "not-found", "Not found", message == null || message.isBlank() ? "Not found"
                    : message);
        }
        String reason = HttpStatus.getMessage(status);
        if (message == null || message.isBlank()) {
            return Problem.of(status, "http-" + status, reason,
                    status >= 500 ? "The server failed; see its log." : reason);
        }
        return Problem.of(status, "http-" + status, reason, message);
    }
}
