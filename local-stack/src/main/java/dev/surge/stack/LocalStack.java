package dev.surge.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Surge on one machine: a real Kafka broker, or three in a cluster (unless an existing cluster is named), M
 * counter-streams processes and N ingest-api processes, each its own OS process, started in dependency order and
 * each awaited until ready. Every
 * process is listed in {@code DATA_DIR/stack.json} the moment it starts; {@link #stop()} stops whatever that file
 * lists (also what {@code ./surge start} added) with a {@link StackShutdown}.
 */
public final class LocalStack implements AutoCloseable {
    private static final Duration BROKER_START = Duration.ofSeconds(60);
    private static final Duration SERVICE_START = Duration.ofSeconds(120);

    private final UpOptions options;
    private final PrintStream out;
    private final StackFile stackFile;
    private final ServiceLauncher launcher;
    private final Readiness readiness;
    private final GracefulStop gracefulStop;
    private final List<ManagedProcess> children = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean claimed;

    private LocalStack(UpOptions options, PrintStream out, StackFile stackFile, Readiness readiness,
                       GracefulStop stop) {
        this.options = options;
        this.out = out;
        this.stackFile = stackFile;
        this.readiness = readiness;
        this.gracefulStop = stop;
        this.launcher = new ServiceLauncher(options.home(), stackFile.dataDir().resolve("logs"),
                options.bootstrapServers(), options.partitions(), options.replicationFactor());
    }

    /**
     * A stack that has started nothing yet. Register {@link #stop()} as the launcher's shutdown hook before
     * {@link #start()}: then a Ctrl-C (or SIGTERM) during start-up stops the processes started so far.
     */
    public static LocalStack create(UpOptions options, PrintStream out, Readiness readiness, GracefulStop stop) {
        return new LocalStack(options, out, new StackFile(options.dataDir()), readiness, stop);
    }

    /** Starts everything and returns once every ingest-api is ready; on any failure stops what it started and throws. */
    public LocalStack start() throws IOException, InterruptedException {
        try {
            startAll();
            return this;
        } catch (IOException | InterruptedException | RuntimeException e) {
            boolean stoppedFromOutside = closed.getCount() == 0;
            stop();
            if (stoppedFromOutside) {
                throw new IllegalStateException("stopped during start-up");
            }
            throw e;
        }
    }

    private void startAll() throws IOException, InterruptedException {
        claimStackFile();
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < options.apiInstances(); i++) {
            ports.add(options.apiPort() + i);
        }
        for (int i = 0; i < options.counterInstances(); i++) {
            ports.add(options.counterPort() + i);
        }
        if (options.kafka().isEmpty()) {
            for (int i = 0; i < options.brokers(); i++) {
                ports.add(options.brokerPort() + i);
                ports.add(options.controllerPort() + i);
            }
        }
        ports.forEach(Ports::requireFree);
        requireSameKindOfKafka();

        if (options.cluster()) {
            startCluster();
        } else if (options.kafka().isEmpty()) {
            out.println("Starting Kafka broker on 127.0.0.1:" + options.brokerPort() + " ...");
            ManagedProcess broker = listed(Role.BROKER, null, () -> launcher.launchBroker(options.brokerPort(),
                    options.controllerPort(), brokerDir()));
            readiness.await(broker, BROKER_START, () -> readiness.kafkaAnswers(options.kafkaClient()));
        } else {
            out.println("Using Kafka at " + options.bootstrapServers() + " ...");
            if (!readiness.kafkaAnswers(options.kafkaClient())) {
                throw new IllegalStateException("Kafka at " + options.bootstrapServers() + " does not answer");
            }
        }

        List<ManagedProcess> counters = new ArrayList<>();
        for (int i = 0; i < options.counterInstances(); i++) {
            int port = options.counterPort() + i;
            Path stateDir = stackFile.dataDir().resolve("counter-streams-" + (i + 1));
            out.println("Starting counter-streams #" + (i + 1) + " on 127.0.0.1:" + port + " ...");
            counters.add(listed(Role.COUNTER_STREAMS, stateDir.toString(),
                    () -> launcher.launchCounter(port, stateDir)));
        }
        for (ManagedProcess counter : counters) {
            readiness.await(counter, SERVICE_START, () -> readiness.ready(counter.port()));
        }

        List<Integer> counterPorts = counters.stream().map(ManagedProcess::port).toList();
        List<ManagedProcess> apis = new ArrayList<>();
        for (int i = 0; i < options.apiInstances(); i++) {
            int port = options.apiPort() + i;
            out.println("Starting ingest-api #" + (i + 1) + " on 127.0.0.1:" + port + " ...");
            apis.add(listed(Role.INGEST_API, null, () -> launcher.launchApi(port, counterPorts)));
        }
        for (ManagedProcess api : apis) {
            readiness.await(api, SERVICE_START, () -> readiness.ready(api.port()));
        }
        printSummary();
    }

    /**
     * Refuses a data directory whose Streams state and stack belong to the other kind of embedded Kafka (one broker
     * in {@code kafka/}, a cluster in {@code kafka-1/...}): its state would not match the new cluster's topics.
     */
    private void requireSameKindOfKafka() {
        if (options.kafka().isPresent()) {
            return;
        }
        boolean single = java.nio.file.Files.exists(brokerDir());
        boolean cluster = java.nio.file.Files.exists(brokerDir(1));
        if (options.cluster() ? single : cluster) {
            throw new IllegalStateException(stackFile.dataDir() + " holds a stack that ran on "
                    + (single ? "one embedded broker" : "the embedded cluster (--brokers " + UpOptions.CLUSTER_BROKERS
                    + ")") + ": start it the same way, or give another --data-dir");
        }
    }

    /**
     * The embedded cluster: every node at once (none serves clients before a majority of the voters runs), then
     * awaited until the cluster answers with all of them registered.
     */
    private void startCluster() throws IOException, InterruptedException {
        String clusterId = clusterId();
        List<ManagedProcess> brokers = new ArrayList<>();
        for (int i = 0; i < options.brokers(); i++) {
            int node = i + 1;
            int port = options.brokerPort() + i;
            int controllerPort = options.controllerPort() + i;
            out.println("Starting Kafka broker " + node + " of " + options.brokers() + " on 127.0.0.1:" + port
                    + " ...");
            brokers.add(listed(Role.BROKER, null, () -> launcher.launchClusterBroker(node, port, controllerPort,
                    brokerDir(node), clusterId, options.voters())));
        }
        for (ManagedProcess broker : brokers) {
            readiness.await(broker, BROKER_START,
                    () -> readiness.kafkaBrokers(options.kafkaClient()).size() == options.brokers());
        }
    }

    /**
     * The id the cluster's nodes are formatted with: the one a node's log directory already holds (a cluster started
     * before), else a new one. A formatted directory keeps its own id whatever is passed.
     */
    public String clusterId() throws IOException {
        for (int node = 1; node <= options.brokers(); node++) {
            Path meta = brokerDir(node).resolve("meta.properties");
            if (java.nio.file.Files.isRegularFile(meta)) {
                java.util.Properties properties = new java.util.Properties();
                try (var reader = java.nio.file.Files.newBufferedReader(meta)) {
                    properties.load(reader);
                }
                String id = properties.getProperty("cluster.id");
                if (id != null) {
                    return id;
                }
            }
        }
        return org.apache.kafka.common.Uuid.randomUuid().toString();
    }

    /** Where the embedded broker keeps its log. */
    public Path brokerDir() {
        return stackFile.dataDir().resolve("kafka");
    }

    /** Where node {@code node} (from 1) of the embedded cluster keeps its log. */
    public Path brokerDir(int node) {
        return stackFile.dataDir().resolve("kafka-" + node);
    }

    /** Writes a fresh {@code stack.json} naming this launcher, unless a stack listed there still runs. */
    private void claimStackFile() {
        try (StackFile.Lock lock = stackFile.lock()) {
            lock.read().ifPresent(previous -> {
                if (previous.launcher() != null && previous.launcher().pid() != ProcessHandle.current().pid()
                        && previous.launcher().alive()) {
                    throw new IllegalStateException("A Surge stack is already running from " + stackFile.dataDir()
                            + " (launcher pid " + previous.launcher().pid() + "): stop it first (./surge down "
                            + "--data-dir " + options.dataDir() + ")");
                }
                previous.processes().stream().filter(StackProcess::alive).findFirst().ifPresent(orphan -> {
                    throw new IllegalStateException("A " + orphan.role() + " from an earlier run is still alive (pid "
                            + orphan.pid() + "): stop it first (./surge down --data-dir " + options.dataDir() + ")");
                });
            });
            lock.write(new StackState(StackState.Launcher.current(), options.bootstrapServers(),
                    options.partitions(), launcher.jdk().home().toString(), List.of()));
            claimed = true;
        }
    }

    /**
     * Starts a child this launcher owns and lists it in stack.json at once, so that {@code ./surge down} finds it even
     * if this launcher is killed right after. Starting and listing hold this object's lock, as {@link #stop()} does:
     * a stop that begins meanwhile waits for the child to be listed, and then stops it with the rest; no child is
     * started once a stop has begun.
     */
    private synchronized ManagedProcess listed(Role role, String stateDir, Spawn spawn) throws IOException {
        if (closed.getCount() == 0) {
            throw new IllegalStateException("the stack is stopping: " + role + " not started");
        }
        ManagedProcess process = spawn.start();
        children.add(process);
        stackFile.update(state -> state.with(StackProcess.of(role, process.process().toHandle(), process.port(),
                process.log().toString(), stateDir)));
        return process;
    }

    /** Starts one child process. */
    @FunctionalInterface
    private interface Spawn {
        ManagedProcess start() throws IOException;
    }

    private void printSummary() {
        StackState state = stackFile.read().orElseThrow();
        out.println();
        out.println("Surge is up. Data in " + stackFile.dataDir());
        for (StackProcess api : state.of(Role.INGEST_API)) {
            out.println("  ingest-api        http://127.0.0.1:" + api.port()
                    + "   console at /, POST /simulate[/batch], GET /load[/{key}], /openapi.json, /metrics");
        }
        for (StackProcess counter : state.of(Role.COUNTER_STREAMS)) {
            out.println("  counter-streams   http://127.0.0.1:" + counter.port()
                    + "   console at /, GET /load[/{key}], /stats, /health/ready, /metrics");
        }
        out.println("  kafka             " + options.bootstrapServers()
                + (options.cluster() ? "   (embedded cluster: " + options.brokers() + " brokers, topics with "
                + options.replicationFactor() + " replicas, min.insync.replicas=2)"
                : options.kafka().isEmpty() ? "   (embedded broker)" : "   (external)"));
        out.println("  java              " + launcher.jdk().summary());
        out.println("  logs              " + stackFile.dataDir().resolve("logs"));
        out.println("  processes         " + stackFile.path());
        out.println();
        out.println("Open: http://127.0.0.1:" + options.apiPort() + "/   (the console: load, instances, latency, live)");
        out.println("Try:  curl -s -X POST http://127.0.0.1:" + options.apiPort() + "/simulate");
        out.println("      curl -s http://127.0.0.1:" + options.apiPort() + "/load");
        out.println("      ./surge status --data-dir " + options.dataDir());
        out.println("Ctrl-C (or SIGTERM, or ./surge down) stops everything.");
    }

    /**
     * Watches the stack until {@link #stop()} begins. A child that exits on its own is reported on {@code out}
     * (with the end of its log) and the others keep running, as they would in a cluster: the API then answers 503
     * while the broker is gone, for example. A child stopped by {@code ./surge stop} is no longer listed in
     * {@code stack.json} and is not reported. Returns false when nothing listed runs any more.
     */
    public boolean superviseUntilClosed() throws InterruptedException {
        List<ManagedProcess> watched = new ArrayList<>(children);
        while (!closed.await(500, TimeUnit.MILLISECONDS)) {
            StackState state = stackFile.read().orElse(null);
            for (ManagedProcess process : List.copyOf(watched)) {
                if (!process.isAlive() && closed.getCount() > 0) {
                    watched.remove(process);
                    if (state != null && state.lists(process.pid())) {
                        out.println("surge: " + process.role() + " (pid " + process.pid() + ") exited with "
                                + process.process().exitValue() + "; the rest keeps running (Ctrl-C stops it). Last"
                                + " lines of " + process.log() + ":\n" + process.logTail(10));
                    }
                }
            }
            if (state == null || state.processes().stream().noneMatch(StackProcess::alive)) {
                return closed.getCount() == 0;
            }
        }
        return true;
    }

    /**
     * Stops everything {@code stack.json} lists: ingest-api, then counter-streams, then the broker. Returns whether
     * this launcher had claimed the stack (false when another running stack kept it from starting anything).
     */
    public synchronized boolean stop() {
        closed.countDown();
        if (claimed) {
            new StackShutdown(stackFile, gracefulStop, out).run();
        }
        for (ManagedProcess child : children) {
            child.stop(gracefulStop.grace());
        }
        children.clear();
        return claimed;
    }

    @Override
    public void close() {
        stop();
    }
}
