package dev.surge.stack;

import dev.surge.common.config.KafkaSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;

/** Whether a process of the stack can do its job yet: {@code /health/ready} for the services, a metadata call for Kafka. */
public final class Readiness {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /** True when {@code GET http://127.0.0.1:PORT/health/ready} answers 200. */
    public boolean ready(int port) {
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

    /**
     * True when the cluster answers a describe-cluster within a few seconds, asked with {@code kafka}: the client
     * settings the services get, so a cluster that needs SASL or SSL is asked the way they will ask it.
     */
    public boolean kafkaAnswers(KafkaSettings kafka) {
        try (Admin admin = Admin.create(adminConfig(kafka))) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(3_000)).nodes().get(4, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The ids of the brokers the cluster reports registered, asked as {@link #kafkaAnswers}; none when it does not answer. */
    public java.util.Set<Integer> kafkaBrokers(KafkaSettings kafka) {
        try (Admin admin = Admin.create(adminConfig(kafka))) {
            return admin.describeCluster(new DescribeClusterOptions().timeoutMs(3_000)).nodes()
                    .get(4, TimeUnit.SECONDS).stream().map(org.apache.kafka.common.Node::id)
                    .collect(java.util.stream.Collectors.toSet());
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            return java.util.Set.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Set.of();
        }
    }

    /** {@code kafka}'s settings with short timeouts underneath (a setting of the user's wins). */
    static Map<String, Object> adminConfig(KafkaSettings kafka) {
        return kafka.clientConfig(Map.of(
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000));
    }

    /**
     * Waits until {@code ready} holds; throws, with the end of the process's log, when the process exits first or
     * the deadline passes. The caller stops the process.
     */
    public void await(ManagedProcess process, Duration timeout, BooleanSupplier ready) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(process.role() + " exited during start-up; last lines of "
                        + process.log() + ":\n" + process.logTail(20));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(process.role() + " (pid " + process.pid() + ") was not ready within "
                        + timeout.toSeconds() + " s; last lines of " + process.log() + ":\n" + process.logTail(20));
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }
}
