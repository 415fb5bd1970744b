package dev.surge.ingest.admission;

import dev.surge.common.http.Problem;
import dev.surge.common.http.ProblemException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body of at most {@code maxBytes}, whether the client declared its length or sent it chunked:
 * the stream itself is read with a cap, so a body without {@code Content-Length} cannot be larger than the limit
 * either. A declared length over the limit is refused before a byte is read.
 */
public final class BoundedBody {
    private BoundedBody() {
    }

    public static byte[] read(Context ctx, int maxBytes) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBytes) {
            throw tooLarge(maxBytes);
        }
        byte[] body;
        try {
            InputStream in = ctx.req().getInputStream();
            body = in.readNBytes(maxBytes + 1);
        } catch (IOException e) {
            throw ProblemException.badRequest("The body cannot be read: " + e.getClass().getSimpleName());
        }
        if (body.length > maxBytes) {
            throw tooLarge(maxBytes);
        }
        return body;
    }

    private static ProblemException tooLarge(int maxBytes) {
        return new ProblemException(Problem.of(413, "content-too-large", "Content too large",
                "The body may be at most " + maxBytes + " bytes"));
    }
}
