package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackFileTest {
    @TempDir
    Path dataDir;

    private StackFile stackFile() {
        return new StackFile(dataDir);
    }

    private static StackState empty() {
        return new StackState(new StackState.Launcher(42, null), "127.0.0.1:9092", 12, null, List.of());
    }

    @Test
    void shouldWriteTheDocumentedShapeAndReadItBack() throws Exception {
        StackFile file = stackFile();
        try (StackFile.Lock lock = file.lock()) {
            lock.write(empty().with(new StackProcess("broker", 7, 9092, "data/logs/broker.log", null, null))
                    .with(new StackProcess("counter-streams", 8, 8081, "l", "2026-01-01T00:00:00Z", "data/cs-1")));
        }

        String json = Files.readString(file.path());
        assertThat(json).contains("\"launcher\"", "\"pid\" : 42", "\"kafka\" : \"127.0.0.1:9092\"",
                "\"partitions\" : 12", "\"role\" : \"broker\"", "\"stateDir\" : \"data/cs-1\"");
        assertThat(json).doesNotContain("null");
        StackState read = file.read().orElseThrow();
        assertThat(read.processes()).extracting(StackProcess::role).containsExactly("broker", "counter-streams");
        assertThat(read.of(Role.COUNTER_STREAMS)).extracting(StackProcess::pid).containsExactly(8L);
        assertThat(read.without(7).processes()).extracting(StackProcess::pid).containsExactly(8L);
        assertThat(dataDir.resolve("stack.json.tmp")).doesNotExist();
    }

    @Test
    void shouldKeepTheStacksJdkThroughEveryChangeAndReadAFileWrittenBeforeItWasKept() throws Exception {
        StackFile file = stackFile();
        try (StackFile.Lock lock = file.lock()) {
            lock.write(new StackState(new StackState.Launcher(42, null), "127.0.0.1:9092", 12,
                    "/usr/lib/jvm/temurin-25-jdk-amd64", List.of()));
        }
        file.update(stack -> stack.with(new StackProcess("broker", 7, 9092, "broker.log", null, null)));
        file.update(stack -> stack.without(7));

        assertThat(Files.readString(file.path())).contains("\"java\" : \"/usr/lib/jvm/temurin-25-jdk-amd64\"");
        assertThat(file.read().orElseThrow().java()).isEqualTo("/usr/lib/jvm/temurin-25-jdk-amd64");

        Files.writeString(file.path(), "{\"launcher\":{\"pid\":42},\"kafka\":\"127.0.0.1:9092\",\"partitions\":12,"
                + "\"processes\":[]}");
        assertThat(file.read().orElseThrow().java()).isNull();
    }

    @Test
    void shouldKeepEveryEntryWhenManyCommandsAddAtOnce() {
        StackFile file = stackFile();
        try (StackFile.Lock lock = file.lock()) {
            lock.write(empty());
        }
        List<CompletableFuture<Void>> adds = new ArrayList<>();
        IntStream.range(0, 20).forEach(i -> adds.add(CompletableFuture.runAsync(() -> file
                .update(state -> state.with(new StackProcess("ingest-api", 1000 + i, 8080 + i, "l", null, null))))));
        adds.forEach(CompletableFuture::join);

        assertThat(file.read().orElseThrow().processes()).hasSize(20);
    }

    @Test
    void shouldSayThatNoStackRunsWhenTheFileIsMissing() {
        assertThat(stackFile().read()).isEmpty();
        assertThatThrownBy(() -> stackFile().update(state -> state))
                .hasMessageContaining("No Surge stack is running from " + dataDir);
    }

    @Test
    void shouldNotTakeAReusedPidForTheListedProcess() {
        ProcessHandle self = ProcessHandle.current();
        StackProcess listed = StackProcess.of(Role.INGEST_API, self, 8080, "l", null);
        StackProcess reused = new StackProcess("ingest-api", self.pid(), 8080, "l", "2000-01-01T00:00:00Z", null);

        assertThat(listed.alive()).isTrue();
        assertThat(reused.alive()).isFalse();
    }

    @Test
    void shouldStopIngestApiFirstAndTheBrokerLast() {
        assertThat(Role.stopOrder()).containsExactly(Role.INGEST_API, Role.COUNTER_STREAMS, Role.BROKER);
        assertThat(Role.of("Counter-Streams")).isEqualTo(Role.COUNTER_STREAMS);
    }
}
