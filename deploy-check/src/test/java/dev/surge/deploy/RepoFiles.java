package dev.surge.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The repository's files as the checks read them: paths from the repository root, YAML (every document of a
 * multi-document file) and JSON as Jackson trees.
 */
final class RepoFiles {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private RepoFiles() {
    }

    /** The repository root: the parent of this module (Surefire sets {@code basedir} to the module). */
    static Path root() {
        Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        Path root = module.getParent();
        if (root == null || !Files.isRegularFile(root.resolve("compose/docker-compose.yml"))) {
            fail("Cannot find the repository root above " + module + ": run the tests from the deploy-check module");
        }
        return root;
    }

    static Path path(String relative) {
        Path path = root().resolve(relative);
        if (!Files.exists(path)) {
            fail(relative + " does not exist in the repository");
        }
        return path;
    }

    /** The Kafka version of the services' client jars: {@code kafka.version} in the root pom. */
    static String kafkaVersion() {
        java.util.regex.Matcher version = java.util.regex.Pattern.compile("<kafka.version>([^<]+)</kafka.version>")
                .matcher(text(path("pom.xml")));
        if (!version.find()) {
            throw new AssertionError("no <kafka.version> in pom.xml");
        }
        return version.group(1);
    }

    static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    static JsonNode yaml(Path file) {
        List<JsonNode> documents = yamlDocuments(file);
        if (documents.size() != 1) {
            fail(file + " should hold one YAML document but holds " + documents.size());
        }
        return documents.get(0);
    }

    static JsonNode yaml(String content) {
        try {
            return YAML.readTree(content);
        } catch (IOException e) {
            throw new UncheckedIOException("Not YAML: " + content, e);
        }
    }

    /** Every non-empty document of a {@code ---}-separated YAML file. */
    static List<JsonNode> yamlDocuments(Path file) {
        try (var documents = YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
            List<JsonNode> found = new ArrayList<>();
            while (documents.hasNextValue()) {
                JsonNode document = documents.nextValue();
                if (document != null && !document.isNull() && !document.isMissingNode()) {
                    found.add(document);
                }
            }
            return found;
        } catch (IOException e) {
            throw new UncheckedIOException("Not valid YAML: " + file, e);
        }
    }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("Not valid JSON: " + file, e);
        }
    }
}
