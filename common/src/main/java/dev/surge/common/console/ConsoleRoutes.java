package dev.surge.common.console;

import dev.surge.common.http.Problem;
import dev.surge.common.http.ProblemException;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;

/**
 * The operator console every Surge service serves: {@code GET /} (the page), {@code GET /console/{file}} (its
 * script, style and the bundled uPlot chart library, read once from the classpath) and {@code GET /stats} (what the
 * page polls each second). The page loads nothing from elsewhere, and its Content-Security-Policy says so.
 */
public final class ConsoleRoutes {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private record Asset(byte[] bytes, String contentType) {
    }

    private ConsoleRoutes() {
    }

    /** {@code stats} answers {@code GET /stats} (wrapped by the caller in whatever authentication it needs). */
    public static void install(JavalinConfig config, Handler stats) {
        Asset page = asset("console/index.html", "text/html; charset=utf-8");
        String uplot = "META-INF/resources/webjars/uplot/" + webjarVersion("uplot") + "/dist/";
        Map<String, Asset> files = Map.of(
                "console.js", asset("console/console.js", "text/javascript; charset=utf-8"),
                "console.css", asset("console/console.css", "text/css; charset=utf-8"),
                "uPlot.iife.min.js", asset(uplot + "uPlot.iife.min.js", "text/javascript; charset=utf-8"),
                "uPlot.min.css", asset(uplot + "uPlot.min.css", "text/css; charset=utf-8"));
        config.routes.get("/", ctx -> {
            ctx.header("Content-Security-Policy", CSP);
            ctx.header("Cache-Control", "no-cache");
            ctx.contentType(page.contentType()).result(page.bytes());
        });
        config.routes.get("/console/{file}", ctx -> {
            Asset asset = files.get(ctx.pathParam("file"));
            if (asset == null) {
                throw new ProblemException(Problem.of(404, "not-found", "Not found",
                        "The console has no file '" + ctx.pathParam("file") + "'"), Map.of());
            }
            ctx.header("Cache-Control", "no-cache");
            ctx.contentType(asset.contentType()).result(asset.bytes());
        });
        config.routes.get("/stats", stats);
    }

    private static Asset asset(String resource, String contentType) {
        try (InputStream in = ConsoleRoutes.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("The console's " + resource + " is missing from the classpath");
            }
            return new Asset(in.readAllBytes(), contentType);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The version of an npm WebJar on the classpath, from the pom.properties every WebJar carries. */
    private static String webjarVersion(String name) {
        String resource = "META-INF/maven/org.webjars.npm/" + name + "/pom.properties";
        try (InputStream in = ConsoleRoutes.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("The WebJar " + name + " is missing from the classpath");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
