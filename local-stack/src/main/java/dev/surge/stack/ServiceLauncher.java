package dev.surge.stack;

import dev.surge.common.startup.ClassDataArchive;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts one Surge process from its built jar with the same JVM flags and Kafka settings every time, whether
 * {@code ./surge up} starts the whole stack or {@code ./surge start} adds one instance to it.
 */
public final class ServiceLauncher {
    private static final String PRODUCE_TIMEOUT = "SURGE_PRODUCE_TIMEOUT";
    /**
     * ingest-api's produce timeout on the embedded cluster (2 s by default). When a broker dies, its partitions have no
     * leader that answers until the controller fences it (broker.session.timeout.ms, 2 s there) and the producer
     * learns the new one. A batch that expires meanwhile, in flight, makes Kafka's idempotent producer bump its epoch
     * and send the partition's other in-flight batches again under new sequence numbers
     * ({@code TransactionManager.bumpIdempotentProducerEpoch}): a batch the dead leader had already replicated is then
     * in the log twice. With 2 s, ./surge faults --brokers 3 found an event twice in load-events after a leader kill.
     * 10 s: requests wait through the failover instead. Cost: a write that Kafka cannot take is answered 504 only
     * after 10 s (the circuit breaker then answers the next ones 503 at once).
     */
    private static final String CLUSTER_PRODUCE_TIMEOUT = "10s";
    private static final String TRANSACTION_TIMEOUT = "SURGE_KAFKA_PRODUCER_TRANSACTION_TIMEOUT_MS";
    /**
     * counter-streams' transaction timeout on the embedded cluster (5 s otherwise, see CounterConfig). A transaction
     * that wrote to a partition of the broker that died cannot commit until that partition has a new leader; with
     * 5 s its coordinator at times aborted it first and bumped the producer's epoch, and the stream thread, fenced
     * (InvalidProducerEpochException), left the group and rejoined: in a run of ./surge faults --brokers 3 that
     * happened three times in four scenarios, and no key was counted for 4.2-10.3 s of the 10 s a broker was down.
     * With 10 s no thread was fenced in a run of leader-kill and controller-kill, and the longest times without a
     * 200 were 5.7 s and 7.0 s (that machine was less loaded during that run, too). Cost: a crashed counter-streams
     * instance's open transaction holds back read_committed readers (every instance's acks) up to 10 s instead of
     * 5 s before the broker aborts it.
     */
    private static final String CLUSTER_TRANSACTION_TIMEOUT_MS = "10000";

    private final Path home;
    private final Path logDir;
    private final String bootstrapServers;
    private final int partitions;
    private final int replicationFactor;
    private final ServiceJdk jdk;

    public ServiceLauncher(Path home, Path logDir, String bootstrapServers, int partitions) {
        this(home, logDir, bootstrapServers, partitions, 1);
    }

    /**
     * @param replicationFactor replicas of the topics the services create ({@code SURGE_REPLICATION_FACTOR}, and
     *                          with it {@code SURGE_MIN_INSYNC_REPLICAS}'s default): 3 on the embedded cluster
     */
    public ServiceLauncher(Path home, Path logDir, String bootstrapServers, int partitions, int replicationFactor) {
        this(home, logDir, bootstrapServers, partitions, replicationFactor, ServiceJdk.forServices(System.getenv()));
    }

    /** @param jdk the JDK every process it starts runs on */
    public ServiceLauncher(Path home, Path logDir, String bootstrapServers, int partitions, int replicationFactor,
                           ServiceJdk jdk) {
        this.home = home;
        this.logDir = logDir;
        this.bootstrapServers = bootstrapServers;
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
        this.jdk = jdk;
    }

    /** The JDK every process this launcher starts runs on. */
    public ServiceJdk jdk() {
        return jdk;
    }

    /** The embedded KRaft broker on {@code port} (controller on {@code controllerPort}), its log in {@code dataDir}. */
    public ManagedProcess launchBroker(int port, int controllerPort, Path dataDir) throws IOException {
        return launch(Role.BROKER, port, List.of("--data-dir", dataDir.toString(), "--port", Integer.toString(port),
                "--controller-port", Integer.toString(controllerPort)), Map.of());
    }

    /**
     * Node {@code nodeId} of the embedded cluster: client port {@code port}, controller port {@code controllerPort},
     * its log in {@code dataDir}; every node gets the same {@code clusterId} and {@code voters}
     * ({@code id@127.0.0.1:controllerPort,...}). Its output goes to {@code broker-NODE.log}.
     */
    public ManagedProcess launchClusterBroker(int nodeId, int port, int controllerPort, Path dataDir, String clusterId,
                                              String voters) throws IOException {
        return launch(Role.BROKER, port, List.of("--data-dir", dataDir.toString(), "--port", Integer.toString(port),
                "--controller-port", Integer.toString(controllerPort), "--node-id", Integer.toString(nodeId),
                "--cluster-id", clusterId, "--voters", voters), Map.of());
    }

    /** A counter-streams instance on {@code port}, keeping its state in {@code stateDir}. */
    public ManagedProcess launchCounter(int port, Path stateDir) throws IOException {
        return launch(Role.COUNTER_STREAMS, port, List.of(), withReplication(Role.COUNTER_STREAMS, Map.of(
                "SURGE_HTTP_PORT", Integer.toString(port),
                "SURGE_STATE_DIR", stateDir.toString())));
    }

    /**
     * {@code env} and, on a replicated cluster, the replication factor the services create topics with and (unless
     * the environment sets them) timeouts longer than a leader's failover: ingest-api's produce timeout and
     * counter-streams' transaction timeout.
     */
    private Map<String, String> withReplication(Role role, Map<String, String> env) {
        if (replicationFactor == 1) {
            return env;
        }
        Map<String, String> more = new LinkedHashMap<>(env);
        more.put("SURGE_REPLICATION_FACTOR", Integer.toString(replicationFactor));
        Map<String, String> timeouts = role == Role.INGEST_API ? Map.of(PRODUCE_TIMEOUT, CLUSTER_PRODUCE_TIMEOUT)
                : Map.of(TRANSACTION_TIMEOUT, CLUSTER_TRANSACTION_TIMEOUT_MS);
        timeouts.forEach((name, value) -> {
            if (System.getenv(name) == null) {
                more.put(name, value);
            }
        });
        return more;
    }

    /**
     * An ingest-api instance on {@code port} that proxies queries to the counter-streams on {@code counterPorts}. Its
     * instance id is {@link #apiInstanceId(int)}: an instance started again on the same port is the same member of the
     * ack group, and takes reply partitions at once.
     */
    public ManagedProcess launchApi(int port, List<Integer> counterPorts) throws IOException {
        return launch(Role.INGEST_API, port, List.of(), withReplication(Role.INGEST_API, Map.of(
                "SURGE_HTTP_PORT", Integer.toString(port),
                "SURGE_INSTANCE_ID", apiInstanceId(port),
                "SURGE_COUNTER_URLS", String.join(",", counterPorts.stream()
                        .map(counter -> "http://127.0.0.1:" + counter).toList()))));
    }

    /**
     * {@code ingest-api-HOST-PORT}: one per port on this machine, and unique among machines whose stacks share a
     * cluster ({@code --kafka}), which share the ack group too. Characters Kafka does not allow become {@code -}.
     */
    public static String apiInstanceId(int port) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return ("ingest-api-" + host + "-" + port).replaceAll("[^A-Za-z0-9._-]", "-");
    }

    /** Starts {@code role} with {@code args} and {@code env} on top of the stack's Kafka settings. */
    public ManagedProcess launch(Role role, int port, List<String> args, Map<String, String> env) throws IOException {
        Path jar = home.resolve(role.module()).resolve("target").resolve(role.module() + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build with 'mvn -B -DskipTests package' (./surge "
                    + "does this for you)");
        }
        String extra = System.getenv("SURGE_JAVA_OPTS");
        List<String> extraOptions = extra == null || extra.isBlank() ? List.of() : List.of(extra.trim().split("\\s+"));
        List<String> command = new ArrayList<>(List.of(jdk.java(), role.heap(), "-XX:+ExitOnOutOfMemoryError"));
        command.addAll(collector(extraOptions));
        Map<String, String> environment = new LinkedHashMap<>();
        if (role != Role.BROKER) {
            classDataSharing(jar, role, jdk, command, environment);
        }
        command.addAll(extraOptions);
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(args);
        environment.put("SURGE_KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
        environment.put("SURGE_LOAD_EVENTS_PARTITIONS", Integer.toString(partitions));
        environment.put("SURGE_ACK_PARTITIONS", Integer.toString(partitions));
        environment.put("SURGE_HTTP_HOST", "127.0.0.1");
        environment.putAll(env);
        Files.createDirectories(logDir);
        Path log = logDir.resolve(logName(role, port, args));
        return ManagedProcess.start(role.id(), port, command, environment, log);
    }

    /** {@code broker.log} (a node of the cluster: {@code broker-NODE.log}), else {@code ROLE-PORT.log}. */
    static String logName(Role role, int port, List<String> args) {
        if (role != Role.BROKER) {
            return role.id() + "-" + port + ".log";
        }
        int node = args.indexOf("--node-id");
        return node < 0 ? "broker.log" : "broker-" + args.get(node + 1) + ".log";
    }

    /**
     * The garbage collector: the parallel one, unless {@code SURGE_JAVA_OPTS} chooses one (the JVM refuses two).
     * Measured side by side on 2 cores (three JVMs and the load on one machine, BENCHMARKS.md "Garbage collector"): with
     * the parallel collector the stack counted 1.3-1.6x as many events per second as with G1, the JVM's default, at a
     * lower p99, and warmed up about twice as fast. Why was not measured (no GC logs were taken); likely G1's
     * concurrent threads and write barriers, on two cores shared by three JVMs.
     */
    static List<String> collector(List<String> extraOptions) {
        boolean chosen = extraOptions.stream().anyMatch(option -> option.matches("-XX:\\+Use\\w+GC"));
        return chosen ? List.of() : List.of("-XX:+UseParallelGC");
    }

    /**
     * Class data sharing for a service's JVM: the archive of its jar's classes when one was written (a restart then
     * maps them instead of loading them), else has it written for the next start. The archive is named after the jar's
     * size and time and the JDK, so a rebuilt jar and another JDK get their own.
     */
    private static void classDataSharing(Path jar, Role role, ServiceJdk jdk, List<String> command,
                                         Map<String, String> environment) throws IOException {
        // the JVM refuses an archive another JDK build wrote, so each JDK gets its own
        String build = role.id() + "-" + Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis() + "-";
        Path archive = jar.resolveSibling("cds").resolve(build + "jdk" + jdk.version()
                .replaceAll("[^A-Za-z0-9.+-]", "_") + ".jsa");
        removeStaleArchives(archive.getParent(), role, build);
        // the JVM writes its archive into an existing directory only
        Files.createDirectories(archive.getParent());
        // the JVM's own notes on classes it cannot archive (hundreds of lines) stay out of the service's log
        command.add("-Xlog:cds*=error");
        int feature = jdk.feature();
        boolean exists = Files.isRegularFile(archive);
        command.addAll(archiveOptions(feature, archive, exists));
        if (writtenWhileRunning(feature, exists)) {
            environment.put(ClassDataArchive.ENV, archive.toString());
        }
    }

    /**
     * The JVM options for class data sharing on JDK {@code feature}. From JDK 19 on the JVM keeps the archive itself
     * ({@code -XX:+AutoCreateSharedArchive}: it maps the archive when it is valid, and writes it when the JVM exits
     * when it is not). JDK 17 and 18 lack that option: there the service writes the archive once started
     * ({@code ClassDataArchive}, {@code jcmd VM.cds dynamic_dump}). That runtime dump is not used on newer JDKs:
     * on Temurin 25.0.3 counter-streams crashed within a minute of it on 2 of 2 first starts here (SIGSEGV in
     * {@code LambdaProxyClassDictionary::find_lambda_proxy_class}, linking a lambda after the dump).
     */
    static List<String> archiveOptions(int feature, Path archive, boolean archiveExists) {
        if (feature >= 19) {
            return List.of("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + archive);
        }
        return archiveExists ? List.of("-XX:SharedArchiveFile=" + archive) : List.of("-XX:+RecordDynamicDumpInfo");
    }

    /**
     * Deletes the archives of earlier builds of {@code role}'s jar (40-60 MB each; one was left per build and JDK):
     * no start maps them again. A JVM that maps one keeps its mapping after the file is gone.
     */
    private static void removeStaleArchives(Path directory, Role role, String currentBuild) {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (var files = Files.list(directory)) {
            List<Path> stale = files.filter(file -> isStaleArchive(file.getFileName().toString(), role, currentBuild))
                    .toList();
            for (Path file : stale) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // a leftover archive costs disk space only
        }
    }

    /** Whether {@code fileName} is an archive of {@code role}'s jar from a build other than {@code currentBuild}. */
    static boolean isStaleArchive(String fileName, Role role, String currentBuild) {
        return fileName.startsWith(role.id() + "-") && fileName.endsWith(".jsa") && !fileName.startsWith(currentBuild);
    }

    /** Whether the service itself should write the archive, once started (JDK 17 and 18, when it is missing). */
    static boolean writtenWhileRunning(int feature, boolean archiveExists) {
        return feature < 19 && !archiveExists;
    }
}
