package dev.surge.ingest;

import io.javalin.config.JavalinConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /openapi.json}: the OpenAPI 3.1 description of ingest-api's routes ({@code openapi.json} in this module's
 * resources, written by hand), read once from the classpath when the routes are installed and served as it is. Open
 * like health and metrics: no API key is asked for.
 *
 * <p>{@code OpenApiDocumentTest} validates the document against the OpenAPI 3.1 schema; local-stack's
 * {@code OpenApiContractIT} checks every documented response against a running stack.
 */
public final class ApiDescription {
    public static final String PATH = "/openapi.json";
    /** Where the document is on the classpath. */
    public static final String RESOURCE = "openapi.json";
    static final String CONTENT_TYPE = "application/json";

    private ApiDescription() {
    }

    static void install(JavalinConfig config) {
        byte[] document = read();
        config.routes.get(PATH, ctx -> ctx.contentType(CONTENT_TYPE).result(document));
    }

    /** The document's bytes, as served. */
    public static byte[] read() {
        try (InputStream in = ApiDescription.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("The API description " + RESOURCE + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
