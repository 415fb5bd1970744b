package dev.surge.kafka.embedded;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeProducersResult;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scans this broker's partitions for hanging transactions ({@link HangingTransactions}) and writes the marker its
 * coordinator decided but never delivered: the abort marker with {@code Admin.abortTransaction}, what an operator does
 * by hand with {@code kafka-transactions.sh find-hanging} and {@code abort} (KIP-664), and the commit marker with
 * {@link TransactionMarkers} (Kafka has no tool for that). How each ended is read from the coordinator's own log
 * ({@link TransactionLogHistory}) only when a hanging transaction is found. Runs in the single-node embedded broker
 * only (not in a node of the embedded cluster, see {@link EmbeddedKafkaBroker#startMember}): against a cluster of its
 * own, that is the operator's call.
 */
final class HangingTransactionReaper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HangingTransactionReaper.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final Admin admin;
    private final String bootstrapServers;
    private final TransactionMarkers markers;
    private final HangingTransactions hanging;
    private final ScheduledExecutorService scans;
    private final Set<HangingTransactions.Open> reported = new java.util.HashSet<>();
    private long lastFailureLog = System.nanoTime() - TimeUnit.MINUTES.toNanos(1);

    private HangingTransactionReaper(Admin admin, String host, int port, HangingTransactions hanging,
                                     ScheduledExecutorService scans) {
        this.admin = admin;
        this.bootstrapServers = host + ":" + port;
        this.markers = new TransactionMarkers(host, port, CALL_TIMEOUT);
        this.hanging = hanging;
        this.scans = scans;
    }

    /**
     * Scans the broker listening on {@code host:port} every {@code every}; a transaction is judged once it has been
     * open for {@code settle}.
     */
    static HangingTransactionReaper start(String host, int port, Duration every, Duration settle) {
        Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, host + ":" + port,
                AdminClientConfig.CLIENT_ID_CONFIG, "surge-hanging-transactions",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis()));
        ScheduledExecutorService scans = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "hanging-transactions");
            thread.setDaemon(true);
            return thread;
        });
        HangingTransactionReaper reaper = new HangingTransactionReaper(admin, host, port,
                new HangingTransactions(settle), scans);
        scans.scheduleWithFixedDelay(reaper::scanQuietly, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return reaper;
    }

    private void scanQuietly() {
        try {
            scan();
        } catch (ExecutionException | TimeoutException | IOException e) {
            // expected while the broker starts or stops; said once a minute at most so that a lasting failure shows
            if (System.nanoTime() - lastFailureLog > TimeUnit.MINUTES.toNanos(1)) {
                lastFailureLog = System.nanoTime();
                LOG.warn("Scan for hanging transactions failed (again within a minute: not logged): {}",
                        e instanceof ExecutionException ? e.getCause().toString() : e.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("Scan for hanging transactions failed", e);
        }
    }

    /** One scan: returns the transactions it ended, with how. */
    Map<HangingTransactions.Open, HangingTransactions.Outcome> scan()
            throws ExecutionException, InterruptedException, TimeoutException, IOException {
        List<HangingTransactions.Open> settled = hanging.settled(openTransactions(), Instant.now());
        if (settled.isEmpty()) {
            return Map.of();
        }
        Map<Long, HangingTransactions.Coordinator> coordinators = coordinators(settled);
        reported.retainAll(settled);
        // Judged once: one reported as of unknown outcome stays so (the coordinator's log only moves on), so the
        // coordinator's log is read only when a transaction not seen before hangs.
        List<HangingTransactions.Open> unjudged = HangingTransactions.notRunning(settled, coordinators).stream()
                .filter(open -> !reported.contains(open)).toList();
        if (unjudged.isEmpty()) {
            return Map.of();
        }
        Set<String> transactionalIds = unjudged.stream().map(open -> coordinators.get(open.producerId()))
                .filter(Objects::nonNull).map(HangingTransactions.Coordinator::transactionalId)
                .collect(Collectors.toSet());
        List<HangingTransactions.Verdict> verdicts = hanging.judge(unjudged, coordinators,
                transactionalIds.isEmpty() ? Map.of()
                        : TransactionLogHistory.read(bootstrapServers, transactionalIds, CALL_TIMEOUT),
                transactionVersion() >= 2);
        Map<HangingTransactions.Open, HangingTransactions.Outcome> ended = new HashMap<>();
        for (HangingTransactions.Verdict verdict : verdicts) {
            HangingTransactions.Open open = verdict.open();
            switch (verdict.outcome()) {
                case ABORT -> admin.abortTransaction(new AbortTransactionSpec(open.partition(), open.producerId(),
                                (short) open.producerEpoch(), open.coordinatorEpoch())).all()
                        .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                case COMMIT -> markers.commit(open.partition(), open.producerId(), (short) open.producerEpoch(),
                        open.coordinatorEpoch());
                case UNKNOWN -> {
                    if (reported.add(open)) {
                        LOG.error("Hanging transaction on {}: left alone, its outcome is unknown; readers of the "
                                + "partition (read_committed) and its group offsets wait until it is ended "
                                + "(kafka-transactions.sh find-hanging / abort)", verdict.describe());
                    }
                    continue;
                }
            }
            ended.put(open, verdict.outcome());
            LOG.warn("Wrote the missing {} marker of a hanging transaction on {}",
                    verdict.outcome() == HangingTransactions.Outcome.COMMIT ? "commit" : "abort", verdict.describe());
        }
        return ended;
    }

    /** The cluster's finalized {@code transaction.version} (0 when none is finalized). */
    private int transactionVersion() throws ExecutionException, InterruptedException, TimeoutException {
        FinalizedVersionRange version = admin.describeFeatures().featureMetadata()
                .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).finalizedFeatures().get("transaction.version");
        return version == null ? 0 : version.maxVersionLevel();
    }

    private List<HangingTransactions.Open> openTransactions()
            throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        List<TopicPartition> partitions = described.values().stream()
                .flatMap(topic -> topic.partitions().stream()
                        .map(partition -> new TopicPartition(topic.name(), partition.partition())))
                .toList();
        List<HangingTransactions.Open> open = new ArrayList<>();
        DescribeProducersResult producers = admin.describeProducers(partitions);
        for (TopicPartition partition : partitions) {
            PartitionProducerState state;
            try {
                state = producers.partitionResult(partition).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                // one partition that cannot answer now (leader moving, being deleted) does not stop the scan
                LOG.debug("No producer state for {}: {}", partition, e.getCause().toString());
                continue;
            }
            for (ProducerState producer : state.activeProducers()) {
                producer.currentTransactionStartOffset().ifPresent(first -> open.add(
                        new HangingTransactions.Open(partition, producer.producerId(), producer.producerEpoch(),
                                producer.coordinatorEpoch().orElse(0), first)));
            }
        }
        return open;
    }

    private Map<Long, HangingTransactions.Coordinator> coordinators(List<HangingTransactions.Open> settled)
            throws ExecutionException, InterruptedException, TimeoutException {
        Set<Long> producerIds = settled.stream().map(HangingTransactions.Open::producerId)
                .collect(Collectors.toSet());
        Map<Long, String> transactionalIds = admin.listTransactions(
                        new ListTransactionsOptions().filterProducerIds(producerIds)).all()
                .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).stream()
                .collect(Collectors.toMap(TransactionListing::producerId, TransactionListing::transactionalId,
                        (first, second) -> first));
        Map<Long, HangingTransactions.Coordinator> coordinators = new HashMap<>();
        if (transactionalIds.isEmpty()) {
            return coordinators;
        }
        Map<String, TransactionDescription> descriptions = admin.describeTransactions(transactionalIds.values())
                .all().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        transactionalIds.forEach((producerId, transactionalId) -> {
            TransactionDescription description = descriptions.get(transactionalId);
            coordinators.put(producerId, new HangingTransactions.Coordinator(transactionalId, description.state(),
                    description.producerEpoch(), description.topicPartitions()));
        });
        return coordinators;
    }

    @Override
    public void close() {
        scans.shutdownNow();
        try {
            scans.awaitTermination(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(5));
    }
}
