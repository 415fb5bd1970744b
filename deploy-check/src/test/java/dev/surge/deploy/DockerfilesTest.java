package dev.surge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The service images are built the way the project builds its jars, run as a non-root user that Kubernetes can
 * verify, and report health from /health/ready. This reads the Dockerfiles; compose/smoke.sh builds and runs them.
 */
class DockerfilesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"ingest-api, 8080", "counter-streams, 8081"})
    void shouldBuildTheModuleAndRunItAsNonRootWithAHealthcheck(String module, int port) {
        String dockerfile = RepoFiles.text(RepoFiles.path(module + "/Dockerfile"));
        List<String> stages = matches(dockerfile, "(?m)^FROM\\s+(\\S+)");

        // Base images are build arguments (compose/smoke.sh builds the same file on local images); by default they
        // are the upstream images a user pulls.
        assertThat(argDefaults(dockerfile)).containsEntry("BUILD_IMAGE", "maven:3.9-eclipse-temurin-17")
                .containsEntry("RUNTIME_IMAGE", "eclipse-temurin:17-jre")
                .containsEntry("JARS", "build");
        assertThat(stages).containsExactly("${BUILD_IMAGE}", "${BUILD_IMAGE}", "${JARS}", "${RUNTIME_IMAGE}");
        assertThat(dockerfile).contains("FROM ${BUILD_IMAGE} AS build").contains("FROM ${BUILD_IMAGE} AS prebuilt")
                .contains("FROM ${JARS} AS jars");
        assertThat(dockerfile).contains("mvn -B -q -pl " + module + " -am clean package -DskipTests");
        assertThat(dockerfile).contains("/src/" + module + "/target/" + module + ".jar")
                .contains("/src/" + module + "/target/lib")
                .contains("COPY " + module + "/target/" + module + ".jar /out/" + module + ".jar")
                .contains("COPY " + module + "/target/lib/ /out/lib/")
                .contains("COPY --from=jars /out/" + module + ".jar /app/" + module + ".jar")
                .contains("\"-jar\", \"/app/" + module + ".jar\"");
        assertThat(dockerfile).doesNotContain("# syntax=")
                .as("no syntax directive: BuildKit would pull docker/dockerfile from a registry");
        assertThat(RepoFiles.text(RepoFiles.path(module + "/pom.xml")))
                .as("the jar is target/" + module + ".jar").contains("<finalName>${project.artifactId}</finalName>");

        List<String> users = matches(dockerfile, "(?m)^USER\\s+(\\S+)");
        assertThat(users).hasSize(1);
        assertThat(users.get(0)).as("numeric, non-root USER").matches("[1-9][0-9]*(:[0-9]+)?");

        assertThat(matches(dockerfile, "(?m)^HEALTHCHECK\\s.*\\\\\\s*\\n\\s*(CMD .*)$")).singleElement()
                .asString().contains("HealthProbe", "/health/ready");
        assertThat(dockerfile).contains("compose/docker/HealthProbe.java");
        RepoFiles.path("compose/docker/HealthProbe.java");

        assertThat(dockerfile).contains("SURGE_HTTP_HOST=0.0.0.0").contains("SURGE_HTTP_PORT=" + port)
                .contains("EXPOSE " + port);
        List<String> ignored = RepoFiles.text(RepoFiles.path(module + "/Dockerfile.dockerignore")).lines()
                .filter(line -> !line.isBlank() && !line.startsWith("#")).toList();
        assertThat(ignored).as("build context without build output or git history").contains("**/target", ".git");
        assertThat(ignored).as("but for the jars JARS=prebuilt copies, and only those")
                .filteredOn(line -> line.startsWith("!"))
                .containsExactlyInAnyOrder("!" + module + "/target/" + module + ".jar", "!" + module + "/target/lib");
    }

    /** The local stand-ins of compose/smoke.sh: built from a base image given as a build argument, like the services. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"kafka, eclipse-temurin:17-jre", "nginx, debian:bookworm-slim", "prometheus, debian:bookworm-slim"})
    void shouldBuildEachLocalStandInOnABaseImageGivenAsABuildArgument(String name, String defaultBase) {
        String dockerfile = RepoFiles.text(RepoFiles.path("compose/local/" + name + "/Dockerfile"));

        assertThat(argDefaults(dockerfile)).containsEntry("BASE_IMAGE", defaultBase);
        assertThat(matches(dockerfile, "(?m)^FROM\\s+(\\S+)")).last().isEqualTo("${BASE_IMAGE}");
        assertThat(dockerfile).doesNotContain("# syntax=");
    }

    /** {@code ARG NAME=default} lines before the first FROM: the build arguments every FROM can use. */
    private static Map<String, String> argDefaults(String dockerfile) {
        Map<String, String> defaults = new TreeMap<>();
        for (String line : dockerfile.lines().takeWhile(line -> !line.startsWith("FROM ")).toList()) {
            Matcher arg = Pattern.compile("^ARG\\s+(\\w+)=(\\S+)$").matcher(line);
            if (arg.matches()) {
                defaults.put(arg.group(1), arg.group(2));
            }
        }
        return defaults;
    }

    private static List<String> matches(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        List<String> found = new ArrayList<>();
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        return found;
    }
}
