package dev.surge.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceLauncherTest {
    @Test
    void shouldGiveAnIngestApiTheSameInstanceIdEachTimeItStartsOnItsPort() {
        assertThat(ServiceLauncher.apiInstanceId(8080)).isEqualTo(ServiceLauncher.apiInstanceId(8080))
                .startsWith("ingest-api-").endsWith("-8080")
                .matches("[A-Za-z0-9._-]{1,249}");
        assertThat(ServiceLauncher.apiInstanceId(8081)).isNotEqualTo(ServiceLauncher.apiInstanceId(8080));
    }

    @Test
    void shouldGiveEachBrokerOfTheClusterALogOfItsOwn() {
        assertThat(ServiceLauncher.logName(Role.BROKER, 9092, List.of("--port", "9092"))).isEqualTo("broker.log");
        assertThat(ServiceLauncher.logName(Role.BROKER, 9093, List.of("--port", "9093", "--node-id", "2")))
                .isEqualTo("broker-2.log");
        assertThat(ServiceLauncher.logName(Role.INGEST_API, 8080, List.of())).isEqualTo("ingest-api-8080.log");
    }

    @Test
    void shouldRunEveryProcessOnTheParallelCollectorUnlessSurgeJavaOptsChoosesOne() {
        assertThat(ServiceLauncher.collector(List.of())).containsExactly("-XX:+UseParallelGC");
        assertThat(ServiceLauncher.collector(List.of("-XX:StartFlightRecording", "-Xlog:gc")))
                .containsExactly("-XX:+UseParallelGC");
        // the JVM refuses two collectors: the user's choice wins
        assertThat(ServiceLauncher.collector(List.of("-Xlog:gc", "-XX:+UseG1GC"))).isEmpty();
        assertThat(ServiceLauncher.collector(List.of("-XX:+UseZGC"))).isEmpty();
    }

    @Test
    void shouldLetAJdkFrom19OnKeepItsClassDataArchiveItselfInsteadOfDumpingItWhileTheServiceRuns() {
        Path archive = Path.of("/tmp/cds/ingest-api.jsa");

        assertThat(ServiceLauncher.archiveOptions(25, archive, false))
                .containsExactly("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + archive);
        assertThat(ServiceLauncher.archiveOptions(25, archive, true))
                .containsExactly("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + archive);
        assertThat(ServiceLauncher.writtenWhileRunning(25, false)).isFalse();
    }

    @Test
    void shouldHaveAJdk17ServiceWriteItsArchiveOnceStartedAndMapItOnLaterStarts() {
        Path archive = Path.of("/tmp/cds/ingest-api.jsa");

        assertThat(ServiceLauncher.archiveOptions(17, archive, false)).containsExactly("-XX:+RecordDynamicDumpInfo");
        assertThat(ServiceLauncher.writtenWhileRunning(17, false)).isTrue();
        assertThat(ServiceLauncher.archiveOptions(17, archive, true))
                .containsExactly("-XX:SharedArchiveFile=" + archive);
        assertThat(ServiceLauncher.writtenWhileRunning(17, true)).isFalse();
    }

    @Test
    void shouldTakeOnlyTheArchivesOfEarlierBuildsOfTheSameServiceForStale() {
        String build = "ingest-api-101586-1796044498225-";

        assertThat(ServiceLauncher.isStaleArchive("ingest-api-97722-1796029954658.jsa", Role.INGEST_API, build))
                .isTrue();
        assertThat(ServiceLauncher.isStaleArchive("ingest-api-97722-1796029954658-jdk17.0.15.jsa", Role.INGEST_API,
                build)).isTrue();
        assertThat(ServiceLauncher.isStaleArchive(build + "jdk25.0.3+9-LTS.jsa", Role.INGEST_API, build)).isFalse();
        assertThat(ServiceLauncher.isStaleArchive(build + "jdk17.0.15.jsa", Role.INGEST_API, build)).isFalse();
        assertThat(ServiceLauncher.isStaleArchive("counter-streams-73647-1796044484189-jdk17.jsa", Role.INGEST_API,
                build)).isFalse();
        assertThat(ServiceLauncher.isStaleArchive("ingest-api-97722-1796029954658.jsa.123.part", Role.INGEST_API,
                build)).isFalse();
    }
}
