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
 * <p>It is the same broker a cluster runs, configured for one node (internal topics with one replica so that
 * transactions and exactly-once work) or as one member of a cluster of three or more ({@link Member}: every node
 * a broker and a KRaft voter, every topic with three replicas). A log directory that was formatted before is reused
 * as it is, so topics, offsets and changelogs survive a restart.
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

    /** Replicas of every topic of a cluster ({@link #clusterProperties}): one broker may fail without data loss. */
    static final int CLUSTER_REPLICATION_FACTOR = 3;
    /**
     * In-sync replicas an {@code acks=all} write needs in a cluster: with one of three brokers down writes go on,
     * with two down they are refused ({@code NOT_ENOUGH_REPLICAS}) rather than kept on one disk only.
     */
    static final int CLUSTER_MIN_INSYNC_REPLICAS = 2;

    /**
     * This node's place in a cluster of KRaft voters that are brokers too.
     *
     * @param nodeId    {@code node.id}, one of {@code voters}' ids
     * @param clusterId the id every node of the cluster is formatted with (a {@link Uuid} in its string form)
     * @param voters    {@code controller.quorum.voters}: {@code id@127.0.0.1:controllerPort} of every node, 3 or more
     */
    public record Member(int nodeId, String clusterId, String voters) {
        public Member {
            List<String> ids = java.util.Arrays.stream(voters.split(",")).map(voter -> voter.split("@")[0].trim())
                    .toList();
            if (ids.size() < CLUSTER_REPLICATION_FACTOR) {
                throw new IllegalArgumentException("a cluster needs at least " + CLUSTER_REPLICATION_FACTOR
                        + " voters, got " + voters);
            }
            if (!ids.contains(Integer.toString(nodeId))) {
                throw new IllegalArgumentException("node " + nodeId + " is not one of the voters " + voters);
            }
            Uuid.fromString(clusterId);
        }
    }

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
        formatIfNew(logDir, 1, Uuid.randomUuid().toString());
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props), Time.SYSTEM);
        server.startup();
        return new EmbeddedKafkaBroker(server, clientPort, HangingTransactionReaper.start(
                LOOPBACK, clientPort, HANGING_SCAN_EVERY, HANGING_SETTLE));
    }

    /**
     * Formats {@code logDir} if it is new and starts this node of a cluster ({@link #clusterProperties}). It serves
     * clients once the quorum has a leader, so once a majority of the voters runs.
     *
     * <p>No {@link HangingTransactionReaper} runs here: it writes a commit marker through this broker only
     * ({@link TransactionMarkers}), and in a cluster this broker leads only some of the partitions.
     */
    public static EmbeddedKafkaBroker startMember(Path logDir, int port, int controllerPort, Member member,
                                                  Map<String, String> overrides) {
        Properties props = clusterProperties(logDir, port, controllerPort, member);
        props.putAll(overrides);
        formatIfNew(logDir, member.nodeId(), member.clusterId());
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props), Time.SYSTEM);
        server.startup();
        return new EmbeddedKafkaBroker(server, port, null);
    }

    /** Formats {@code logDir} unless it was formatted before (then its node and cluster id are kept). */
    private static void formatIfNew(Path logDir, int nodeId, String clusterId) {
        try {
            Files.createDirectories(logDir);
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(logDir, nodeId, clusterId);
            }
        } catch (Exception e) {
            throw new IllegalStateException("Cannot format Kafka log directory " + logDir + ": " + e.getMessage(), e);
        }
    }

    /** Writes a new cluster's metadata into an empty log directory (what {@code kafka-storage format} does). */
    private static void format(Path logDir, int nodeId, String clusterId) throws Exception {
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(nodeId)
                .setClusterId(clusterId)
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

    /**
     * One node of a cluster: {@link #singleNodeProperties} with this node's id, every voter, and three replicas (two
     * in sync for a write) for every topic: Kafka's internal ones and those created without a replication factor.
     */
    static Properties clusterProperties(Path logDir, int port, int controllerPort, Member member) {
        Properties props = singleNodeProperties(logDir, port, controllerPort);
        props.put("node.id", Integer.toString(member.nodeId()));
        props.put("controller.quorum.voters", member.voters());
        String replicas = Integer.toString(CLUSTER_REPLICATION_FACTOR);
        String inSync = Integer.toString(CLUSTER_MIN_INSYNC_REPLICAS);
        props.put("default.replication.factor", replicas);
        props.put("min.insync.replicas", inSync);
        props.put("offsets.topic.replication.factor", replicas);
        props.put("transaction.state.log.replication.factor", replicas);
        props.put("transaction.state.log.min.isr", inSync);
        props.put("share.coordinator.state.topic.replication.factor", replicas);
        props.put("share.coordinator.state.topic.min.isr", inSync);
        // A broker killed with SIGKILL keeps leading its partitions, and coordinating its transactions and groups,
        // until the active controller fences it: broker.session.timeout.ms after its last heartbeat
        // (BrokerHeartbeatManager, checked every eighth of a session; Kafka's default 9 s, heartbeats every 2 s). Until then every transaction that wrote
        // to one of its partitions cannot commit, and a transactional write anywhere whose coordinator it is, is
        // refused (the leader cannot verify the partition with the coordinator: NOT_ENOUGH_REPLICAS, KIP-890), so each
        // stream thread stops counting within a few commits. When the active controller dies with it (it is a voter
        // too), the remaining voters first elect a new one once controller.quorum.fetch.timeout.ms (Kafka's 2 s) has
        // passed without a fetch from the leader, and the new controller counts every registered broker as heard from
        // at its activation (ClusterControlManager.activate -> BrokerHeartbeatManager.register), so it fences the dead
        // one a full session after that. Measured with ./surge faults --brokers 3 (README "Running against a Kafka
        // cluster"): with a 3 s session and Kafka's 2 s fetch timeout, the leaders moved 3.4-3.6 s after the kill, or
        // 5.1-5.5 s when the controller died with the broker (its successor activated after 1.8-2.1 s), and counting
        // went on 1-1.5 s after that. A 2 s session (heartbeats every 500 ms) and a 1 s fetch timeout (Raft followers
        // fetch with a 500 ms long poll, KafkaRaftClient.MAX_FETCH_WAIT_MS, so a live leader answers within it). Cost:
        // a broker that cannot heartbeat for 2 s (a long GC pause, a starved machine) is fenced and its partitions'
        // leadership moves; a controller that does not answer its voters for 1 s is replaced (a new election, no data
        // lost). Unlike the single node (see singleNodeProperties), the restarted broker is not the only replica: the
        // others lead its partitions meanwhile.
        props.put("broker.session.timeout.ms", "2000");
        props.put("broker.heartbeat.interval.ms", "500");
        props.put("controller.quorum.fetch.timeout.ms", "1000");
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
        if (hangingTransactions != null) {
            hangingTransactions.close();
        }
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
