package dev.surge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The images' HEALTHCHECK program exits 0 only when the service answers 2xx on the probed path. */
class HealthProbeTest {
    private final AtomicInteger readyStatus = new AtomicInteger(200);
    private HttpServer service;
    private Path classes;

    @BeforeEach
    void compileProbeAndStartAService(@TempDir Path dir) throws IOException {
        classes = dir;
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK to compile HealthProbe.java").isNotNull();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int compiled = javac.run(null, null, errors, "--release", "17", "-d", dir.toString(),
                RepoFiles.path("compose/docker/HealthProbe.java").toString());
        assertThat(compiled).as("javac HealthProbe.java: %s", errors).isZero();

        service = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        service.createContext("/health/ready", exchange -> {
            exchange.sendResponseHeaders(readyStatus.get(), -1);
            exchange.close();
        });
        service.start();
    }

    @AfterEach
    void stopService() {
        if (service != null) {
            service.stop(0);
        }
    }

    @Test
    void shouldReportHealthyWhenTheServiceIsReady() throws Exception {
        readyStatus.set(200);

        assertThat(probe(service.getAddress().getPort())).isZero();
    }

    @Test
    void shouldReportUnhealthyWhenTheServiceIsNotReady() throws Exception {
        readyStatus.set(503);

        assertThat(probe(service.getAddress().getPort())).isEqualTo(1);
    }

    @Test
    void shouldReportUnhealthyWhenNothingListens() throws Exception {
        int port = service.getAddress().getPort();
        service.stop(0);
        service = null;

        assertThat(probe(port)).isEqualTo(1);
    }

    /** Runs the probe as the image does, with the service's own settings in the environment. */
    private int probe(int port) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx16m", "-cp", classes.toString(), "HealthProbe",
                "/health/ready"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("SURGE_HTTP_HOST", "0.0.0.0");
        builder.environment().put("SURGE_HTTP_PORT", String.valueOf(port));
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        Process process = builder.start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("probe finished").isTrue();
        return process.exitValue();
    }
}
