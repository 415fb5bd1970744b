package dev.surge.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.kafka.embedded.HangingTransactions.Coordinator;
import dev.surge.kafka.embedded.HangingTransactions.Logged;
import dev.surge.kafka.embedded.HangingTransactions.Open;
import dev.surge.kafka.embedded.HangingTransactions.Outcome;
import dev.surge.kafka.embedded.HangingTransactions.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class HangingTransactionsTest {
    private static final TopicPartition OFFSETS = new TopicPartition("__consumer_offsets", 5);
    private static final TopicPartition ACKS = new TopicPartition("load-acks", 1);
    private static final Instant T0 = Instant.parse("2026-11-30T03:30:00Z");
    private static final Duration SETTLE = Duration.ofSeconds(10);

    private final HangingTransactions hanging = new HangingTransactions(SETTLE);
    private final Open open = new Open(OFFSETS, 0, 168, 2, 13_413);

    @Test
    void aTransactionIsJudgedOnlyAfterItStayedOpenUnchangedForTheSettleTime() {
        assertThat(hanging.settled(List.of(open), T0)).isEmpty();
        assertThat(hanging.settled(List.of(open), T0.plusSeconds(9))).isEmpty();
        assertThat(hanging.settled(List.of(open), T0.plusSeconds(10))).containsExactly(open);
    }

    @Test
    void aTransactionThatClosedAndAnotherThatOpenedStartTheClockAgain() {
        hanging.settled(List.of(open), T0);
        Open next = new Open(OFFSETS, 0, 169, 2, 13_500);
        assertThat(hanging.settled(List.of(next), T0.plusSeconds(10))).isEmpty();
        assertThat(hanging.settled(List.of(open), T0.plusSeconds(11)))
                .as("the first one was forgotten when it was no longer open").isEmpty();
    }

    @Test
    void anOpenTransactionWhoseCoordinatorAbortedItAtItsEpochOrTheNextIsAborted() {
        assertThat(judge(coordinator(TransactionState.COMPLETE_ABORT, 169, Set.of())))
                .singleElement().satisfies(verdict -> assertThat(verdict.outcome()).isEqualTo(Outcome.ABORT));
        assertThat(judge(coordinator(TransactionState.COMPLETE_ABORT, 168, Set.of())))
                .singleElement().satisfies(verdict -> assertThat(verdict.outcome()).isEqualTo(Outcome.ABORT));
    }

    @Test
    void aTransactionWhoseCoordinatorLoggedACommitDecisionListingThePartitionIsCommitted() {
        // the coordinator has moved on (epoch 175): only its log tells that the transaction of epoch 168 committed
        Map<Long, List<Logged>> log = Map.of(open.producerId(), List.of(
                logged(168, TransactionState.ONGOING, Set.of(OFFSETS, ACKS)),
                logged(169, TransactionState.PREPARE_COMMIT, Set.of(OFFSETS, ACKS)),
                logged(169, TransactionState.COMPLETE_COMMIT, Set.of()),
                logged(169, TransactionState.ONGOING, Set.of(ACKS))));

        assertThat(judge(coordinator(TransactionState.ONGOING, 175, Set.of(ACKS)), log))
                .singleElement().satisfies(verdict -> assertThat(verdict.outcome()).isEqualTo(Outcome.COMMIT));
    }

    @Test
    void aTransactionWhoseCoordinatorLoggedAnAbortDecisionIsAborted() {
        Map<Long, List<Logged>> log = Map.of(open.producerId(), List.of(
                logged(169, TransactionState.PREPARE_ABORT, Set.of(OFFSETS)),
                logged(169, TransactionState.COMPLETE_ABORT, Set.of())));

        assertThat(judge(coordinator(TransactionState.ONGOING, 175, Set.of(ACKS)), log))
                .singleElement().satisfies(verdict -> assertThat(verdict.outcome()).isEqualTo(Outcome.ABORT));
    }

    @Test
    void aCommitDecisionThatDoesNotListThePartitionOrIsAboutAnotherEpochOrProducerCommitsNothing() {
        Map<Long, List<Logged>> log = Map.of(open.producerId(), List.of(
                logged(169, TransactionState.PREPARE_COMMIT, Set.of(ACKS)),
                logged(168, TransactionState.PREPARE_COMMIT, Set.of(OFFSETS)),
                logged(170, TransactionState.PREPARE_COMMIT, Set.of(OFFSETS)),
                new Logged(7, 169, TransactionState.PREPARE_COMMIT, Set.of(OFFSETS))));

        assertThat(judge(coordinator(TransactionState.ONGOING, 175, Set.of(ACKS)), log))
                .singleElement().satisfies(verdict -> assertThat(verdict.outcome()).isEqualTo(Outcome.UNKNOWN));
    }

    @Test
    void underTransactionProtocolVersionOneNothingIsEndedOnlyReported() {
        // a producer keeps its epoch across transactions there: "aborted at epoch 168" may be about a later one
        Map<Long, List<Logged>> log = Map.of(open.producerId(), List.of(
                logged(169, TransactionState.PREPARE_COMMIT, Set.of(OFFSETS))));
        assertThat(hanging.judge(List.of(open), Map.of(open.producerId(),
                coordinator(TransactionState.COMPLETE_ABORT, 168, Set.of())), log, false))
                .singleElement().satisfies(verdict -> assertThat(verdict.outcome()).isEqualTo(Outcome.UNKNOWN));
    }

    @Test
    void anAbortAtALaterEpochSaysNothingOfThisTransactionSoItIsOnlyReported() {
        assertThat(judge(coordinator(TransactionState.COMPLETE_ABORT, 175, Set.of())))
                .singleElement().satisfies(verdict -> assertThat(verdict.outcome()).isEqualTo(Outcome.UNKNOWN));
    }

    @Test
    void aTransactionWithoutARecordOfItsEndIsReportedNeverEnded() {
        assertThat(judge(coordinator(TransactionState.COMPLETE_COMMIT, 169, Set.of())))
                .singleElement().satisfies(verdict -> assertThat(verdict.outcome()).isEqualTo(Outcome.UNKNOWN));
        assertThat(hanging.judge(List.of(open), Map.of(), Map.of(), true))
                .singleElement().satisfies(verdict -> {
                    assertThat(verdict.outcome()).isEqualTo(Outcome.UNKNOWN);
                    assertThat(verdict.describe()).contains("no transactional id known");
                });
    }

    @Test
    void aTransactionItsCoordinatorStillRunsOrIsEndingIsLeftOut() {
        assertThat(judge(coordinator(TransactionState.ONGOING, 168, Set.of(OFFSETS)))).isEmpty();
        assertThat(judge(coordinator(TransactionState.PREPARE_ABORT, 168, Set.of(OFFSETS)))).isEmpty();
        assertThat(judge(coordinator(TransactionState.PREPARE_COMMIT, 168, Set.of(OFFSETS)))).isEmpty();
    }

    @Test
    void anOngoingTransactionThatNoLongerListsThePartitionIsHangingThere() {
        assertThat(judge(coordinator(TransactionState.ONGOING, 170, Set.of(ACKS))))
                .singleElement().satisfies(verdict -> {
                    assertThat(verdict.outcome()).isEqualTo(Outcome.UNKNOWN);
                    assertThat(verdict.describe()).contains("__consumer_offsets-5", "producerId 0", "epoch 168",
                            "Ongoing at epoch 170");
                });
    }

    private List<Verdict> judge(Coordinator coordinator, Map<Long, List<Logged>> log) {
        return hanging.judge(List.of(open), Map.of(open.producerId(), coordinator), log, true);
    }

    private Logged logged(int epoch, TransactionState state, Set<TopicPartition> partitions) {
        return new Logged(open.producerId(), epoch, state, partitions);
    }

    private List<Verdict> judge(Coordinator coordinator) {
        return judge(coordinator, Map.of());
    }

    private static Coordinator coordinator(TransactionState state, int epoch, Set<TopicPartition> partitions) {
        return new Coordinator("surge-counter-5214177a-1", state, epoch, partitions);
    }
}
