package dev.surge.kafka.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real Apache Kafka broker (KRaft, broker and controller in one process) listening on 127.0.0.1 only.
 *
 * <p>It is the same broker a cluster runs, configured for one node: internal topics with one replica so that
 * transactions and exactly-once work. A log directory that was formatted before is reused as it is, so topics,
 * offsets and changelogs survive a restart.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final String LOOPBACK = "127.0.0.1";

    /** How often the broker's partitions are scanned for hanging transactions ({@link HangingTransactions}). */
    private static final Duration HANGING_SCAN_EVERY = Duration.ofSeconds(1);
    /**
     * How long a transaction must stay open, unchanged, before it is judged. Markers take milliseconds, and a
     * transaction is ended only as its coordinator logged it ended, once the coordinator no longer runs or ends it: a
     * longer wait only adds to the stall. With 3 s (and scans every 2 s) one of three broker-kill runs took 16.8 s
     * from the restart until every key was counted again (target 15 s); with 10 s and 5 s, 19 s.
     */
    private static final Duration HANGING_SETTLE = Duration.ofSeconds(1);

    private final KafkaRaftServer server;
    private final int port;
    private final HangingTransactionReaper hangingTransactions;

    private EmbeddedKafkaBroker(KafkaRaftServer server, int port, HangingTransactionReaper hangingTransactions) {
        this.server = server;
        this.port = port;
        this.hangingTransactions = hangingTransactions;
    }

    /**
     * Formats {@code logDir} if it is new and starts the broker.
     *
     * @param port           client port, 0 for any free one
     * @param controllerPort KRaft controller port, 0 for any free one
     * @param overrides      broker settings layered over the single-node defaults
     */
    public static EmbeddedKafkaBroker start(Path logDir, int port, int controllerPort, Map<String, String> overrides) {
        int clientPort = port == 0 ? freePort() : port;
        int quorumPort = controllerPort == 0 ? freePort() : controllerPort;
        Properties props = singleNodeProperties(logDir, clientPort, quorumPort);
        props.putAll(overrides);
        try {
            Files.createDirectories(logDir);
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(logDir);
            }
        } catch (Exception e) {
            throw new IllegalStateException("Cannot format Kafka log directory " + logDir + ": " + e.getMessage(), e);
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props), Time.SYSTEM);
        server.startup();
        return new EmbeddedKafkaBroker(server, clientPort, HangingTransactionReaper.start(
                LOOPBACK, clientPort, HANGING_SCAN_EVERY, HANGING_SETTLE));
    }

    /** Writes a new cluster's metadata into an empty log directory (what {@code kafka-storage format} does). */
    private static void format(Path logDir) throws Exception {
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(1)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setControllerListenerName("CONTROLLER")
                .run();
    }

    static Properties singleNodeProperties(Path logDir, int port, int controllerPort) {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@" + LOOPBACK + ":" + controllerPort);
        props.put("listeners", "PLAINTEXT://" + LOOPBACK + ":" + port + ",CONTROLLER://" + LOOPBACK + ":" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        props.put("auto.create.topics.enable", "false");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "8");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "8");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        // A crashed counter-streams instance leaves its transaction open; read_committed readers (ingest-api's ack
        // consumers, the instance taking over its tasks) wait until the coordinator aborts it, which it does on the
        // first scan after the transaction's timeout. Scan every second instead of every 10 s (the default): that
        // default alone could add up to 10 s to a failover. Cost: one pass over this broker's open transactions a
        // second.
        props.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        // Groups of the consumer protocol (KIP-848: ingest-api's ack consumers) get their session timeout and
        // heartbeat interval from the broker, not from the client. Kafka's defaults (45 s, 5 s) leave the reply
        // partitions of a crashed ingest-api that is not restarted unread for 45 s, and the other instances cannot
        // take them over meanwhile. 6 s and 500 ms, as counter-streams sets for its own (classic) group: the other
        // instances take them over within about 7 s, and a join or leave moves partitions within a heartbeat. Cost:
        // two heartbeats a second per ack consumer, and an ingest-api that cannot heartbeat for 6 s (a long GC pause,
        // a frozen VM) loses its reply partitions and joins again (requests waiting on them are still answered).
        props.put("group.consumer.session.timeout.ms", "6000");
        props.put("group.consumer.min.session.timeout.ms", "6000");
        props.put("group.consumer.heartbeat.interval.ms", "500");
        props.put("group.consumer.min.heartbeat.interval.ms", "500");
        // broker.session.timeout.ms stays at Kafka's 9 s although it is most of a restart after a SIGKILL: the restarted
        // process cannot register until the controller fences the old incarnation, one session after the controller
        // starts. Meanwhile the broker has published the metadata it replayed, in which the old incarnation still
        // leads every partition, so its group coordinator starts loading __consumer_offsets; with a 3 s session the
        // fence (and the reload at the next leader epoch) came while those loads still ran, and in one of six
        // broker-kill runs the ack group and the Streams group were gone afterwards (GROUP_ID_NOT_FOUND, "generation
        // id is not valid") and nothing was counted again. Kafka's CoordinatorRuntime (source of September 2024) lets a
        // load that finishes late mark the context of the next epoch loaded before its own load has replayed anything;
        // the symptoms match. With 9 s those loads are long done before the fence.
        return props;
    }

    public String bootstrapServers() {
        return LOOPBACK + ":" + port;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        hangingTransactions.close();
        server.shutdown();
        server.awaitShutdown();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on " + LOOPBACK, e);
        }
    }
}
