package dev.surge.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Surge on one machine: a real Kafka broker (unless an existing cluster is named), M counter-streams processes and
 * one ingest-api, each its own OS process, started in dependency order and each awaited until ready. What runs is
 * listed in {@code DATA_DIR/stack.json}; {@link #close()} stops it in reverse order.
 */
public final class LocalStack implements AutoCloseable {
    public static final String STACK_FILE = "stack.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Duration BROKER_START = Duration.ofSeconds(60);
    private static final Duration SERVICE_START = Duration.ofSeconds(120);
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);

    private final UpOptions options;
    private final PrintStream out;
    private final List<ManagedProcess> processes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closing;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private LocalStack(UpOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Starts everything and returns once ingest-api is ready; on any failure stops what it started and throws. */
    public static LocalStack start(UpOptions options, PrintStream out) throws IOException, InterruptedException {
        LocalStack stack = new LocalStack(options, out);
        try {
            stack.startAll();
            return stack;
        } catch (IOException | InterruptedException | RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void startAll() throws IOException, InterruptedException {
        Path dataDir = options.dataDir().toAbsolutePath();
        Files.createDirectories(dataDir.resolve("logs"));
        refuseIfAlreadyRunning(dataDir.resolve(STACK_FILE));
        List<Integer> ports = new ArrayList<>(List.of(options.apiPort()));
        for (int i = 0; i < options.counterInstances(); i++) {
            ports.add(options.counterPort() + i);
        }
        if (options.kafka().isEmpty()) {
            ports.add(options.brokerPort());
            ports.add(options.controllerPort());
        }
        for (int port : ports) {
            requireFree(port);
        }

        if (options.kafka().isEmpty()) {
            out.println("Starting Kafka broker on 127.0.0.1:" + options.brokerPort() + " ...");
            ManagedProcess broker = launch("broker", options.brokerPort(), "embedded-kafka", List.of(
                    "--data-dir", dataDir.resolve("kafka").toString(),
                    "--port", Integer.toString(options.brokerPort()),
                    "--controller-port", Integer.toString(options.controllerPort())), Map.of(), "-Xmx1g");
            await(broker, BROKER_START, this::brokerAnswers);
        } else {
            out.println("Using Kafka at " + options.bootstrapServers() + " ...");
            if (!brokerAnswers()) {
                throw new IllegalStateException("Kafka at " + options.bootstrapServers() + " does not answer");
            }
        }

        List<ManagedProcess> counters = new ArrayList<>();
        for (int i = 0; i < options.counterInstances(); i++) {
            int port = options.counterPort() + i;
            out.println("Starting counter-streams #" + (i + 1) + " on 127.0.0.1:" + port + " ...");
            counters.add(launch("counter-streams", port, "counter-streams", List.of(), Map.of(
                    "SURGE_HTTP_PORT", Integer.toString(port),
                    "SURGE_STATE_DIR", dataDir.resolve("counter-streams-" + (i + 1)).toString()), "-Xmx512m"));
        }
        for (ManagedProcess counter : counters) {
            await(counter, SERVICE_START, () -> ready(counter.port()));
        }

        out.println("Starting ingest-api on 127.0.0.1:" + options.apiPort() + " ...");
        String counterUrls = String.join(",", counters.stream()
                .map(counter -> "http://127.0.0.1:" + counter.port()).toList());
        ManagedProcess api = launch("ingest-api", options.apiPort(), "ingest-api", List.of(), Map.of(
                "SURGE_HTTP_PORT", Integer.toString(options.apiPort()),
                "SURGE_COUNTER_URLS", counterUrls), "-Xmx512m");
        await(api, SERVICE_START, () -> ready(api.port()));
        writeStackFile(dataDir.resolve(STACK_FILE));
        printSummary(dataDir);
    }

    private ManagedProcess launch(String role, int port, String module, List<String> args, Map<String, String> env,
                                  String heap) throws IOException {
        Path jar = options.home().resolve(module).resolve("target").resolve(module + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build with 'mvn -B -DskipTests package' (./surge up "
                    + "does this for you)");
        }
        List<String> command = new ArrayList<>(List.of(javaBinary(), heap, "-XX:+ExitOnOutOfMemoryError"));
        String extra = System.getenv("SURGE_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(args);
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("SURGE_KAFKA_BOOTSTRAP_SERVERS", options.bootstrapServers());
        environment.put("SURGE_LOAD_EVENTS_PARTITIONS", Integer.toString(options.partitions()));
        environment.put("SURGE_ACK_PARTITIONS", Integer.toString(options.partitions()));
        environment.putAll(env);
        Path log = options.dataDir().toAbsolutePath().resolve("logs")
                .resolve(role + (role.equals("counter-streams") ? "-" + port : "") + ".log");
        ManagedProcess process = ManagedProcess.start(role, port, command, environment, log);
        processes.add(process);
        writeStackFile(options.dataDir().toAbsolutePath().resolve(STACK_FILE));
        return process;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private void await(ManagedProcess process, Duration timeout, BooleanSupplier ready) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(process.role() + " exited during start-up; last lines of "
                        + process.log() + ":\n" + process.logTail(20));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(process.role() + " was not ready within " + timeout.toSeconds()
                        + " s; last lines of " + process.log() + ":\n" + process.logTail(20));
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }

    private boolean brokerAnswers() {
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        try (Admin admin = Admin.create(config)) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(3_000)).nodes().get(4, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private boolean ready(int port) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void requireFree(int port) throws IOException {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            socket.setReuseAddress(true);
        } catch (IOException e) {
            throw new IllegalStateException("Port " + port + " on 127.0.0.1 is in use: stop what holds it or pick "
                    + "another port (see ./surge up --help)");
        }
    }

    private void refuseIfAlreadyRunning(Path stackFile) throws IOException {
        if (!Files.isRegularFile(stackFile)) {
            return;
        }
        JsonNode stack = JSON.readTree(stackFile.toFile());
        long launcher = stack.path("launcher").path("pid").asLong(-1);
        if (launcher > 0 && ProcessHandle.of(launcher).map(ProcessHandle::isAlive).orElse(false)) {
            throw new IllegalStateException("A Surge stack is already running from " + stackFile.getParent()
                    + " (launcher pid " + launcher + "): stop it first (./surge down --data-dir "
                    + options.dataDir() + ")");
        }
        for (JsonNode process : stack.path("processes")) {
            long pid = process.path("pid").asLong(-1);
            if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                throw new IllegalStateException("A " + process.path("role").asText() + " from an earlier run is "
                        + "still alive (pid " + pid + "); stop it first (kill " + pid + ")");
            }
        }
    }

    private void writeStackFile(Path file) throws IOException {
        Map<String, Object> stack = new LinkedHashMap<>();
        stack.put("launcher", Map.of("pid", ProcessHandle.current().pid()));
        stack.put("kafka", options.bootstrapServers());
        stack.put("processes", processes.stream().map(p -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("role", p.role());
            entry.put("pid", p.pid());
            entry.put("port", p.port());
            entry.put("log", p.log().toString());
            return entry;
        }).toList());
        Path temp = file.resolveSibling(STACK_FILE + ".tmp");
        JSON.writeValue(temp.toFile(), stack);
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private void printSummary(Path dataDir) {
        out.println();
        out.println("Surge is up. Data in " + dataDir);
        out.println("  ingest-api        http://127.0.0.1:" + options.apiPort()
                + "   POST /simulate, GET /load, GET /load/{key}, /health/ready, /metrics");
        for (ManagedProcess p : processes) {
            if (p.role().equals("counter-streams")) {
                out.println("  counter-streams   http://127.0.0.1:" + p.port() + "   GET /load, GET /load/{key}, /health/ready, /metrics");
            }
        }
        out.println("  kafka             " + options.bootstrapServers()
                + (options.kafka().isEmpty() ? "   (embedded broker)" : "   (external)"));
        out.println("  logs              " + dataDir.resolve("logs"));
        out.println("  processes         " + dataDir.resolve(STACK_FILE));
        out.println();
        out.println("Try:  curl -s -X POST http://127.0.0.1:" + options.apiPort() + "/simulate");
        out.println("      curl -s http://127.0.0.1:" + options.apiPort() + "/load");
        out.println("Ctrl-C (or SIGTERM) stops everything.");
    }

    /**
     * Watches the children until {@link #close()} begins. A child that exits on its own is reported on {@code out}
     * (with the end of its log) and the others keep running, as they would in a cluster: the API then answers 503
     * while the broker is gone, for example. Returns false when every child has exited.
     */
    public boolean superviseUntilClosed() throws InterruptedException {
        List<ManagedProcess> watched = new ArrayList<>(processes);
        while (!closing && !watched.isEmpty()) {
            for (ManagedProcess process : List.copyOf(watched)) {
                if (process.process().waitFor(200, TimeUnit.MILLISECONDS) && !closing) {
                    watched.remove(process);
                    out.println("surge: " + process.role() + " (pid " + process.pid() + ") exited with "
                            + process.process().exitValue() + "; the rest keeps running (Ctrl-C stops it). Last lines"
                            + " of " + process.log() + ":\n" + process.logTail(10));
                }
            }
        }
        return closing;
    }

    /** Stops ingest-api, then counter-streams, then the broker, each with SIGTERM and a grace period. */
    @Override
    public synchronized void close() {
        closing = true;
        for (int i = processes.size() - 1; i >= 0; i--) {
            ManagedProcess process = processes.get(i);
            if (process.isAlive()) {
                out.println("Stopping " + process.role() + " (pid " + process.pid() + ") ...");
            }
            process.stop(STOP_GRACE);
        }
        processes.clear();
        try {
            Files.deleteIfExists(options.dataDir().toAbsolutePath().resolve(STACK_FILE));
        } catch (IOException e) {
            out.println("Cannot remove " + STACK_FILE + ": " + e.getMessage());
        }
    }
}
