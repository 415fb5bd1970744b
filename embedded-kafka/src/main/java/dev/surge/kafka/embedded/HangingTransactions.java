package dev.surge.kafka.embedded;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;

/**
 * Decides which transactions left open on a partition are hanging (open there although their coordinator has
 * finished them, so they will never get their marker) and how each one ended. Pure: the scans are passed in, nothing
 * is read here.
 *
 * <p>Why this exists: when the transaction coordinator cannot find a partition's leader while it sends the markers
 * that end a transaction, Kafka assumes the partition was deleted, drops it from the transaction and completes it
 * anyway ({@code TransactionMarkerChannelManager}: "Couldn't find leader endpoint for partitions ... these partitions
 * are likely deleted already and hence can be skipped"). In Kafka 4.4 a partition without a leader counts as such:
 * {@code KRaftMetadataCache.getPartitionLeaderEndpoint} answers empty when the leader id names no registered broker,
 * which {@code -1} never does (checked against the 4.4.0 classes; the Scala version of September 2024 answered
 * {@code Node.noNode()} there, and the markers waited). A single-node broker that restarts after a SIGKILL goes
 * through exactly that: its coordinator loads the transaction state while the metadata still shows the old
 * incarnation of the broker as leader, completes what was prepared and aborts what timed out while it was down,
 * cannot reach itself yet (its listener opens only once it is registered again), and when the controller fences the
 * old incarnation (after {@code broker.session.timeout.ms}) every partition is without a leader for about 2 s until
 * the new one registers: the markers retried then are dropped. Seen in fault runs, both ways: an abort marker that
 * never reached {@code __consumer_offsets} (the Streams thread then waited forever for "unstable offsets"), and commit
 * markers that never reached changelog partitions (their readers waited forever).
 *
 * <p>How a transaction ended is taken from the coordinator only, never guessed: under transaction protocol version 2
 * every transaction ends with its own epoch bump, so the transaction a producer ran at epoch {@code E} ends with the
 * record its coordinator logs at epoch {@code E + 1}: {@code PrepareCommit} or {@code PrepareAbort} (then
 * {@code Complete...}). A hanging transaction is
 * <ul>
 *   <li>committed if the coordinator logged {@code PrepareCommit} at {@code E + 1} listing this partition: the
 *       coordinator decided to commit it, and only the marker is missing;</li>
 *   <li>aborted if it logged {@code PrepareAbort} or {@code CompleteAbort} at {@code E + 1}, or its current state is
 *       {@code CompleteAbort} at {@code E} or {@code E + 1};</li>
 *   <li>only reported otherwise (never touched): no record names its end (compacted away, or another protocol).</li>
 * </ul>
 * It is judged only once it has been open on the partition, with the same producer epoch and first offset, for at
 * least {@code settle} (markers take milliseconds), and only if the coordinator is not running or ending it now. The
 * only race left is a marker that reached the partition between the looks, and the marker written then repeats the
 * coordinator's own decision. Under transaction protocol version 1 a producer keeps its epoch across transactions, so
 * an epoch names no single transaction: there everything is only reported.
 */
final class HangingTransactions {
    /** One producer's open transaction on one partition, as {@code DescribeProducers} reports it. */
    record Open(TopicPartition partition, long producerId, int producerEpoch, int coordinatorEpoch, long firstOffset) {
    }

    /** What the transaction coordinator says of a producer's transactional id. */
    record Coordinator(String transactionalId, TransactionState state, int producerEpoch,
                       java.util.Set<TopicPartition> partitions) {
    }

    /** One record of a producer's transactional id in the coordinator's log ({@code __transaction_state}). */
    record Logged(long producerId, int producerEpoch, TransactionState state,
                  java.util.Set<TopicPartition> partitions) {
    }

    /** What is done with a hanging transaction: the coordinator's decision, or nothing when it is not known. */
    enum Outcome {
        COMMIT, ABORT, UNKNOWN
    }

    /** The verdict on one open transaction that has outlived {@code settle}. */
    record Verdict(Open open, Optional<Coordinator> coordinator, Outcome outcome) {
        String describe() {
            return open.partition() + " producerId " + open.producerId() + " epoch " + open.producerEpoch()
                    + " open since offset " + open.firstOffset()
                    + coordinator.map(c -> " (transactional id " + c.transactionalId() + ": " + c.state()
                            + " at epoch " + c.producerEpoch() + ")").orElse(" (no transactional id known)");
        }
    }

    private final Duration settle;
    private final Map<Open, Instant> firstSeen = new HashMap<>();

    HangingTransactions(Duration settle) {
        this.settle = settle;
    }

    /**
     * Judges the transactions {@link #settled} returned: the ones whose coordinator says they are still running or
     * ending are left out; the others are returned with how they ended, or {@link Outcome#UNKNOWN}.
     *
     * @param settledOpen what {@link #settled} returned
     * @param coordinator what the coordinator says now, by producer id (absent: no transactional id is known for it)
     * @param logged what the coordinator logged for those transactional ids, by producer id, in log order
     * @param epochPerTransaction whether the cluster runs transaction protocol version 2, where every transaction
     *                            ends with its own epoch bump: only then does an epoch name one transaction, and only
     *                            then is anything ended here
     */
    List<Verdict> judge(List<Open> settledOpen, Map<Long, Coordinator> coordinator, Map<Long, List<Logged>> logged,
                        boolean epochPerTransaction) {
        List<Verdict> verdicts = new ArrayList<>();
        for (Open open : notRunning(settledOpen, coordinator)) {
            Optional<Coordinator> known = Optional.ofNullable(coordinator.get(open.producerId()));
            Outcome outcome = epochPerTransaction
                    ? outcome(open, known, logged.getOrDefault(open.producerId(), List.of()))
                    : Outcome.UNKNOWN;
            verdicts.add(new Verdict(open, known, outcome));
        }
        return verdicts;
    }

    /** The transactions of {@code settledOpen} that their coordinator neither runs nor is ending now. */
    static List<Open> notRunning(List<Open> settledOpen, Map<Long, Coordinator> coordinator) {
        return settledOpen.stream().filter(open -> {
            Coordinator known = coordinator.get(open.producerId());
            return known == null || !stillRunning(open, known);
        }).toList();
    }

    private static Outcome outcome(Open open, Optional<Coordinator> now, List<Logged> logged) {
        int ending = open.producerEpoch() + 1;
        for (Logged record : logged) {
            if (record.producerId() != open.producerId() || record.producerEpoch() != ending) {
                continue;
            }
            switch (record.state()) {
                case PREPARE_COMMIT:
                    if (record.partitions().contains(open.partition())) {
                        return Outcome.COMMIT;
                    }
                    break;
                case PREPARE_ABORT, COMPLETE_ABORT:
                    return Outcome.ABORT;
                default:
                    break;
            }
        }
        boolean abortedNow = now.isPresent() && now.get().state() == TransactionState.COMPLETE_ABORT
                && (now.get().producerEpoch() == open.producerEpoch() || now.get().producerEpoch() == ending);
        return abortedNow ? Outcome.ABORT : Outcome.UNKNOWN;
    }

    /**
     * Records a scan and returns the open transactions seen with the same epoch and first offset for at least
     * {@code settle}. Transactions that are no longer open are forgotten.
     */
    List<Open> settled(List<Open> open, Instant now) {
        firstSeen.keySet().retainAll(open);
        List<Open> settled = new ArrayList<>();
        for (Open each : open) {
            Instant since = firstSeen.computeIfAbsent(each, key -> now);
            if (!since.plus(settle).isAfter(now)) {
                settled.add(each);
            }
        }
        return settled;
    }

    private static boolean stillRunning(Open open, Coordinator coordinator) {
        return switch (coordinator.state()) {
            case ONGOING -> coordinator.producerEpoch() == open.producerEpoch()
                    && coordinator.partitions().contains(open.partition());
            // The coordinator is writing this transaction's markers (or fencing its producer) right now.
            case PREPARE_ABORT, PREPARE_COMMIT, PREPARE_EPOCH_FENCE -> true;
            default -> false;
        };
    }
}
