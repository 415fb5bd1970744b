package dev.surge.loadgen;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * The HTML report of a run: one self-contained file (the page, the uPlot chart library from its WebJar, and the
 * result as JSON, all inline; nothing loaded from the network) with charts over time (offered vs achieved rate,
 * latency p50/p99, status shares), the phase table and the integrity verdict.
 */
final class HtmlReport {
    private static final String TEMPLATE = resource("loadgen/report.html");
    private static final String UPLOT_DIR = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
    private static final String UPLOT_JS = resource(UPLOT_DIR + "uPlot.iife.min.js");
    private static final String UPLOT_CSS = resource(UPLOT_DIR + "uPlot.min.css");

    private HtmlReport() {
    }

    static String render(SpikeResult result) {
        String data;
        try {
            data = Spike.json().writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the result as JSON", e);
        }
        // the JSON sits in a <script> element: "</" and "<!--" must not end or confuse it (both stay valid JSON)
        String safe = data.replace("</", "<\\/").replace("<!--", "\\u003c!--");
        return TEMPLATE.replace("/*UPLOT_CSS*/", UPLOT_CSS)
                .replace("/*UPLOT_JS*/", UPLOT_JS.replace("</script", "<\\/script"))
                .replace("/*DATA*/", safe)
                .replace("{{TITLE}}", escape("Spike " + result.profile() + " -> " + result.target()));
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String resource(String name) {
        try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String uplotVersion() {
        String resource = "META-INF/maven/org.webjars.npm/uplot/pom.properties";
        try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("The uPlot WebJar is missing from the classpath");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
