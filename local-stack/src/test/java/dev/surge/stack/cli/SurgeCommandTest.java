package dev.surge.stack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.common.config.Settings;
import dev.surge.counter.CounterConfig;
import dev.surge.ingest.IngestConfig;
import dev.surge.common.config.KafkaSettings;
import dev.surge.stack.Role;
import dev.surge.stack.StackFile;
import dev.surge.stack.StackProcess;
import dev.surge.stack.StackState;
import dev.surge.stack.UpOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SurgeCommandTest {
    private final Path home = Path.of("/opt/surge");
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final StringWriter err = new StringWriter();
    private final Map<String, String> environment = Map.of(
            "SURGE_KAFKA_BOOTSTRAP_SERVERS", "overridden-by-the-option:9092",
            "SURGE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
            "SURGE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
            "SURGE_HTTP_PORT", "1234");
    private final CommandLine surge = SurgeCommand.commandLine(home, new PrintStream(out, true,
            StandardCharsets.UTF_8), environment).setErr(new PrintWriter(err, true));

    private UpOptions up(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "up";
        System.arraycopy(args, 0, all, 1, args.length);
        CommandLine.ParseResult parsed = surge.parseArgs(all);
        return ((UpCommand) parsed.subcommand().commandSpec().userObject()).options();
    }

    @Test
    void shouldDefaultToTheDocumentedPortsAndDataDir() {
        UpOptions options = up();

        assertThat(options.home()).isEqualTo(home);
        assertThat(options.dataDir()).isEqualTo(Path.of("data"));
        assertThat(options.apiPort()).isEqualTo(8080);
        assertThat(options.apiInstances()).isEqualTo(1);
        assertThat(options.counterPort()).isEqualTo(8081);
        assertThat(options.brokerPort()).isEqualTo(9092);
        assertThat(options.controllerPort()).isEqualTo(9093);
        assertThat(options.partitions()).isEqualTo(12);
        assertThat(options.counterInstances()).isEqualTo(1);
        assertThat(options.bootstrapServers()).isEqualTo("127.0.0.1:9092");
    }

    @Test
    void shouldPutCounterStreamsRightAfterTheApisUnlessToldOtherwise() {
        assertThat(up("--api-instances", "3").counterPort()).isEqualTo(8083);
        assertThat(up("--port", "18080", "--api-instances", "2", "--counter-instances", "2").counterPort())
                .isEqualTo(18082);
        assertThat(up("--api-instances", "3", "--counter-port", "9100").counterPort()).isEqualTo(9100);
    }

    @Test
    void shouldUseAnExistingClusterWhenOneIsNamed() {
        UpOptions options = up("--kafka", "kafka-1:9092", "--data-dir", "/tmp/d", "--partitions", "24",
                "--counter-instances", "3");

        assertThat(options.kafka()).isEqualTo(Optional.of("kafka-1:9092"));
        assertThat(options.bootstrapServers()).isEqualTo("kafka-1:9092");
        assertThat(options.dataDir()).isEqualTo(Path.of("/tmp/d"));
        assertThat(options.partitions()).isEqualTo(24);
        assertThat(options.counterInstances()).isEqualTo(3);
    }

    @Test
    void shouldCheckKafkaWithTheSameClientSettingsTheServicesGet() {
        KafkaSettings external = up("--kafka", "kafka-1:9093").kafkaClient();
        KafkaSettings embedded = up("--broker-port", "19092").kafkaClient();

        assertThat(external.clientProperties()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "bootstrap.servers", "kafka-1:9093",
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512"));
        assertThat(embedded.bootstrapServers()).isEqualTo("127.0.0.1:19092");
        assertThat(embedded.clientProperties()).containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void shouldRefuseTwoRolesOnOnePortBeforeStartingAnything() {
        assertThat(surge.execute("up", "--port", "9092")).isEqualTo(2);
        assertThat(err.toString()).contains("port 9092 is given twice: to ingest-api (--port) and to the embedded "
                + "broker (--broker-port)");

        assertThat(surge.execute("up", "--counter-port", "9093")).isEqualTo(2);
        assertThat(err.toString()).contains("port 9093 is given twice: to counter-streams (--counter-port) and to the "
                + "embedded broker's controller (--controller-port)");

        assertThat(surge.execute("up", "--broker-port", "9000", "--controller-port", "9000")).isEqualTo(2);
        assertThat(err.toString()).contains("port 9000 is given twice: to the embedded broker (--broker-port) and to "
                + "the embedded broker's controller (--controller-port)");

        assertThat(surge.execute("up", "--api-instances", "3", "--counter-port", "8082")).isEqualTo(2);
        assertThat(err.toString()).contains("ingest-api ports 8080-8082 overlap counter-streams ports 8082");
    }

    @Test
    void shouldGiveEachBrokerOfTheClusterItsOwnPortsAndEveryServiceAllThree() {
        UpOptions options = up("--brokers", "3", "--broker-port", "19092");

        assertThat(options.cluster()).isTrue();
        assertThat(options.controllerPort()).isEqualTo(19095);
        assertThat(options.bootstrapServers()).isEqualTo("127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094");
        assertThat(options.voters()).isEqualTo("1@127.0.0.1:19095,2@127.0.0.1:19096,3@127.0.0.1:19097");
        assertThat(options.replicationFactor()).isEqualTo(3);
        assertThat(up().replicationFactor()).isEqualTo(1);
    }

    @Test
    void shouldRefuseABrokerCountWithoutAQuorumAndBrokersNextToAClusterOfOnesOwn() {
        assertThat(surge.execute("up", "--brokers", "2")).isEqualTo(2);
        assertThat(err.toString()).contains("--brokers should be 1 or 3 but was 2");

        assertThat(surge.execute("up", "--brokers", "3", "--kafka", "kafka-1:9092")).isEqualTo(2);
        assertThat(err.toString()).contains("--brokers 3 starts embedded brokers; with --kafka the cluster is yours");

        assertThat(surge.execute("up", "--brokers", "3", "--counter-port", "9094")).isEqualTo(2);
        assertThat(err.toString()).contains("port 9094 is given twice: to counter-streams (--counter-port) and to the "
                + "embedded broker (--broker-port)");
    }

    @Test
    void shouldLetAnExternalClusterUseThePortsTheEmbeddedBrokerWouldHave() {
        assertThat(up("--kafka", "127.0.0.1:9092", "--port", "9092").apiPort()).isEqualTo(9092);
    }

    @Test
    void shouldRefuseToStartAnInstanceOnAPortTheStackAlreadyLists(@TempDir Path dataDir) {
        ProcessHandle self = ProcessHandle.current();
        try (StackFile.Lock lock = new StackFile(dataDir).lock()) {
            lock.write(new StackState(StackState.Launcher.current(), "127.0.0.1:9092", 12, null,
                    List.of(StackProcess.of(Role.COUNTER_STREAMS, self, 58081, "counter.log", "state"))));
        }

        int exit = surge.execute("start", "ingest-api", "--port", "58081", "--data-dir", dataDir.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("port 58081 is already listed in " + dataDir.resolve("stack.json")
                + " for counter-streams (pid " + self.pid() + ")");
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("Starting");
    }

    @Test
    void shouldExitWithTwoAndExplainBadOptions() {
        assertThat(surge.execute("up", "--port", "http")).isEqualTo(2);
        assertThat(err.toString()).contains("--port").contains("'http' is not an int");

        assertThat(surge.execute("up", "--partitions", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--partitions should be between 1 and 10000 but was 0");

        assertThat(surge.execute("up", "--api-instances", "13")).isEqualTo(2);
        assertThat(err.toString()).contains("--api-instances should be between 1 and 12");

        assertThat(surge.execute("up", "--counter-port", "8080")).isEqualTo(2);
        assertThat(err.toString()).contains("ingest-api ports 8080 overlap counter-streams ports 8080");

        assertThat(surge.execute("up", "--frobnicate", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown options: '--frobnicate'");

        assertThat(surge.execute("start", "zookeeper")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown role 'zookeeper'");

        assertThat(surge.execute("start", "broker", "--data-dir", "/nonexistent")).isEqualTo(2);
        assertThat(surge.execute("rescale")).isEqualTo(2);
        assertThat(surge.execute()).isEqualTo(2);
    }

    @Test
    void shouldFailWithOneWhenNoStackRunsFromTheDataDir() {
        for (String command : new String[] {"down", "status", "start counter-streams", "stop ingest-api"}) {
            String[] args = (command + " --data-dir /tmp/surge-no-such-dir").split(" ");

            assertThat(surge.execute(args)).as(command).isEqualTo(1);
        }
        assertThat(err.toString()).contains("No Surge stack is running from /tmp/surge-no-such-dir");
    }

    @Test
    void shouldListEverySubcommandInTheUsage() {
        assertThat(surge.execute("--help")).isZero();

        assertThat(out.toString(StandardCharsets.UTF_8)).contains("up", "down", "start", "stop", "status");
    }

    @Test
    void shouldLookAtTheGroupsTheServicesUseByDefault() {
        Settings defaults = new Settings(Map.of());

        assertThat(StatusCollector.COUNTER_GROUP).isEqualTo(CounterConfig.from(defaults).applicationId());
        assertThat(StatusCollector.ACK_GROUP).isEqualTo(IngestConfig.from(defaults).ackGroupId());
    }
}
