package dev.surge.common.config;

import dev.surge.common.concurrent.DaemonThreads;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Kafka answers, checked in the background every few seconds with a bounded request, so readiness can
 * report a lost broker without any request thread waiting on it. Logs once per change, not per check.
 */
public final class KafkaHealth implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaHealth.class);
    private static final Duration INTERVAL = Duration.ofSeconds(2);
    private static final int TIMEOUT_MS = 2_000;

    private final Admin admin;
    private final ScheduledExecutorService scheduler;
    private volatile boolean reachable;
    private volatile String lastProblem = "not checked yet";

    public KafkaHealth(KafkaSettings kafka, String clientId) {
        this.admin = Admin.create(kafka.clientConfig(Map.of(
                AdminClientConfig.CLIENT_ID_CONFIG, clientId,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS)));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("kafka-health"));
    }

    public KafkaHealth start() {
        check();
        scheduler.scheduleWithFixedDelay(this::check, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void check() {
        boolean now;
        String problem = null;
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS)).nodes()
                    .get(TIMEOUT_MS + 500L, TimeUnit.MILLISECONDS);
            now = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            now = false;
            problem = e.getCause() != null ? e.getCause().getMessage() : e.toString();
        }
        if (now != reachable) {
            if (now) {
                LOG.info("Kafka is reachable");
            } else {
                LOG.warn("Kafka is not reachable: {}", problem);
            }
        }
        lastProblem = problem;
        reachable = now;
    }

    public boolean reachable() {
        return reachable;
    }

    /** Why the last check failed, or null when it succeeded. */
    public String lastProblem() {
        return lastProblem;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}
