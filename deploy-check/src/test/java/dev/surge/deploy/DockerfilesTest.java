package dev.surge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The service images are built the way the project builds its jars, run as a non-root user that Kubernetes can
 * verify, and report health from /health/ready. No Docker engine here: this reads the Dockerfiles.
 */
class DockerfilesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"ingest-api, 8080", "counter-streams, 8081"})
    void shouldBuildTheModuleAndRunItAsNonRootWithAHealthcheck(String module, int port) {
        String dockerfile = RepoFiles.text(RepoFiles.path(module + "/Dockerfile"));
        List<String> stages = matches(dockerfile, "(?m)^FROM\\s+(\\S+)");

        assertThat(stages).containsExactly("maven:3.9-eclipse-temurin-17", "eclipse-temurin:17-jre");
        assertThat(dockerfile).contains("mvn -B -q -pl " + module + " -am package -DskipTests");
        assertThat(dockerfile).contains("/src/" + module + "/target/" + module + ".jar")
                .contains("/src/" + module + "/target/lib/")
                .contains("\"-jar\", \"/app/" + module + ".jar\"");
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
        assertThat(RepoFiles.text(RepoFiles.path(module + "/Dockerfile.dockerignore")))
                .as("build context without build output or git history").contains("**/target", ".git");
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
