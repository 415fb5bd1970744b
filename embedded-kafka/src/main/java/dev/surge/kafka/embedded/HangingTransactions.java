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
 * Decides which transactions left open on a partition are hanging: open there although their coordinator has
 * finished them, so they will never get their marker. Pure: the scans are passed in, nothing is read here.
 *
 * <p>Why this exists: when the transaction coordinator cannot find a partition's leader while it sends the markers
 * that end a transaction, Kafka assumes the partition was deleted, drops it from the transaction and completes it
 * anyway ({@code TransactionMarkerChannelManager}: "Couldn't find leader endpoint for partitions ... these partitions
 * are likely deleted already and hence can be skipped"). A single-node broker that restarts is such a case: it loads
 * its transaction state as leader of the partitions it had before the restart, aborts the transactions that timed
 * out while it was down, and sends their markers while its own partitions still have no leader (until the controller
 * unfences it, about 3 s here). Seen in the fault run: the abort marker never reached {@code __consumer_offsets}, the
 * offsets the aborted transaction had sent stayed pending for good, and the Streams thread that owned those
 * partitions waited forever for them ("partitions still have unstable offsets"), so its keys were never counted.
 *
 * <p>A transaction is aborted here only when all of these hold: it has been open on the partition, with the same
 * producer epoch and first offset, for at least {@code settle} (markers take milliseconds); and its coordinator says
 * the transaction of that very epoch ended in an abort ({@code COMPLETE_ABORT} at that epoch, or at the next one, the
 * epoch Kafka bumps to when it ends a transaction under transaction protocol version 2). The coordinator reaches
 * {@code COMPLETE_ABORT} only once it has written or skipped every marker, so writing the abort marker then only
 * does what it decided; the only race left is a marker that reached the partition between the two looks, and the
 * abort marker written then is a second abort of a transaction that was aborted anyway. All of this holds under
 * transaction protocol version 2 only (what the embedded broker runs): under version 1 a producer keeps its epoch
 * across transactions, so nothing is aborted there, only reported. Every other open transaction older than {@code settle} whose
 * coordinator does not list the partition is reported, never touched: its outcome cannot be known from outside.
 */
final class HangingTransactions {
    /** One producer's open transaction on one partition, as {@code DescribeProducers} reports it. */
    record Open(TopicPartition partition, long producerId, int producerEpoch, int coordinatorEpoch, long firstOffset) {
    }

    /** What the transaction coordinator says of a producer's transactional id. */
    record Coordinator(String transactionalId, TransactionState state, int producerEpoch,
                       java.util.Set<TopicPartition> partitions) {
    }

    /** The verdict on one open transaction that has outlived {@code settle}. */
    record Verdict(Open open, Optional<Coordinator> coordinator, boolean abort) {
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
     * Judges the transactions {@link #settled} returned: the ones whose coordinator says they are still running are
     * left out; the others are returned, to abort or to report.
     *
     * @param settledOpen what {@link #settled} returned
     * @param coordinator what the coordinator says, by producer id (absent: no transactional id is known for it)
     * @param epochPerTransaction whether the cluster runs transaction protocol version 2, where every transaction
     *                            ends with its own epoch bump: only then does an epoch name one transaction, and only
     *                            then is anything aborted (under version 1 a producer keeps its epoch across
     *                            transactions, so "aborted at this epoch" may be about a later one): else all is
     *                            reported
     */
    List<Verdict> judge(List<Open> settledOpen, Map<Long, Coordinator> coordinator, boolean epochPerTransaction) {
        List<Verdict> verdicts = new ArrayList<>();
        for (Open open : settledOpen) {
            Optional<Coordinator> known = Optional.ofNullable(coordinator.get(open.producerId()));
            if (known.isPresent() && stillRunning(open, known.get())) {
                continue;
            }
            boolean abort = epochPerTransaction && known.isPresent()
                    && known.get().state() == TransactionState.COMPLETE_ABORT
                    && (known.get().producerEpoch() == open.producerEpoch()
                    || known.get().producerEpoch() == open.producerEpoch() + 1);
            verdicts.add(new Verdict(open, known, abort));
        }
        return verdicts;
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
