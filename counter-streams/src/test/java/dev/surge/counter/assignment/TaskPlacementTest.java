package dev.surge.counter.assignment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.counter.assignment.TaskPlacement.Client;
import dev.surge.counter.assignment.TaskPlacement.Plan;
import dev.surge.counter.assignment.TaskPlacement.Settings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.assignment.ProcessId;
import org.junit.jupiter.api.Test;

class TaskPlacementTest {
    private static final Settings SETTINGS = new Settings(500, 1, 2);
    private static final ProcessId A = id(1);
    private static final ProcessId B = id(2);
    private static final ProcessId C = id(3);

    private static ProcessId id(int n) {
        return new ProcessId(new UUID(0, n));
    }

    private static Set<TaskId> tasks(int... partitions) {
        return IntStream.of(partitions).mapToObj(p -> new TaskId(0, p)).collect(Collectors.toSet());
    }

    private static Set<TaskId> allTasks(int count) {
        return tasks(IntStream.range(0, count).toArray());
    }

    /** Lags of an instance: 0 for the tasks it ran or kept current, {@code elsewhere} for every other task. */
    private static Map<TaskId, Long> lags(Set<TaskId> all, Set<TaskId> current, long elsewhere) {
        Map<TaskId, Long> lags = new HashMap<>();
        all.forEach(task -> lags.put(task, current.contains(task) ? 0L : elsewhere));
        return lags;
    }

    private static Client running(ProcessId id, Set<TaskId> all, Set<TaskId> active, Set<TaskId> standby) {
        Set<TaskId> current = new TreeSet<>(active);
        current.addAll(standby);
        return new Client(id, 1, active, standby, lags(all, current, 10_000));
    }

    /** A runs tasks 0-5 and B tasks 6-11 of {@code all}, each with a current standby of the other's; and {@code c}. */
    private static Plan planTwoRunningAnd(Set<TaskId> all, Client c) {
        Set<TaskId> onA = tasks(0, 1, 2, 3, 4, 5);
        Set<TaskId> onB = tasks(6, 7, 8, 9, 10, 11);
        return TaskPlacement.plan(List.of(running(A, all, onA, onB), running(B, all, onB, onA), c), all, Set.of(),
                SETTINGS);
    }

    @Test
    void shouldKeepEveryActiveTaskInPlaceWhenAnInstanceJoinsAndGiveItWarmUpsFirst() {
        Set<TaskId> all = allTasks(12);
        // The joining instance has no state, and the changelogs are short (100 records): "caught up" by lag alone,
        // which is what made Streams' default give it active tasks at once.
        Client joining = new Client(C, 1, Set.of(), Set.of(), lags(all, Set.of(), 100));

        Plan plan = planTwoRunningAnd(all, joining);

        assertThat(plan.active().get(A)).isEqualTo(tasks(0, 1, 2, 3, 4, 5));
        assertThat(plan.active().get(B)).isEqualTo(tasks(6, 7, 8, 9, 10, 11));
        assertThat(plan.active().get(C)).isEmpty();
        assertThat(plan.moved()).isEmpty();
        assertThat(plan.warmups()).hasSize(2).allSatisfy((task, to) -> assertThat(to).isEqualTo(C));
        assertThat(plan.standby().get(C)).containsAll(plan.warmups().keySet());
        assertThat(plan.probingRebalanceNeeded()).isTrue();
        assertValid(plan, all, 1);
    }

    @Test
    void shouldMoveTasksToAJoinedInstanceOnlyOnceItsCopiesAreCurrent() {
        Set<TaskId> all = allTasks(12);
        // C kept copies of 0, 1 and 6 (warm-ups and standbys of the previous assignment): 0 and 6 are current
        // (lag 20), 1 is still 5,000 records behind.
        Map<TaskId, Long> lagsOfC = lags(all, Set.of(), 100_000);
        lagsOfC.put(new TaskId(0, 0), 20L);
        lagsOfC.put(new TaskId(0, 6), 20L);
        lagsOfC.put(new TaskId(0, 1), 5_000L);
        Client joined = new Client(C, 1, Set.of(), tasks(0, 1, 6), lagsOfC);

        Plan plan = planTwoRunningAnd(all, joined);

        assertThat(plan.active().get(C)).isEqualTo(tasks(0, 6));
        assertThat(plan.moved()).isEqualTo(tasks(0, 6));
        assertThat(plan.active().get(A)).isEqualTo(tasks(1, 2, 3, 4, 5));
        assertThat(plan.active().get(B)).isEqualTo(tasks(7, 8, 9, 10, 11));
        assertThat(plan.probingRebalanceNeeded()).as("C is still 2 tasks short of its share").isTrue();
        assertThat(plan.warmups()).containsEntry(new TaskId(0, 1), C);
        assertValid(plan, all, 1);
    }

    @Test
    void shouldGiveTheTasksOfAnInstanceThatLeftToTheInstancesHoldingTheirStandbys() {
        Set<TaskId> all = allTasks(12);
        // B is gone; its tasks 4-7 had standbys: 4 and 5 on A, 6 and 7 on C.
        Client a = running(A, all, tasks(0, 1, 2, 3), tasks(4, 5, 8, 9));
        Client c = running(C, all, tasks(8, 9, 10, 11), tasks(6, 7, 0, 1));

        Plan plan = TaskPlacement.plan(List.of(a, c), all, Set.of(), SETTINGS);

        assertThat(plan.active().get(A)).isEqualTo(tasks(0, 1, 2, 3, 4, 5));
        assertThat(plan.active().get(C)).isEqualTo(tasks(6, 7, 8, 9, 10, 11));
        assertThat(plan.probingRebalanceNeeded()).isFalse();
        assertValid(plan, all, 1);
    }

    @Test
    void shouldFinishAMoveInTheFollowUpRebalance() {
        // Round 1 moved task 0 from A to C; A revoked it, and Streams kept C's standby of it for the follow-up. Now
        // nobody runs task 0, and A's store of it on disk looks more current than C's copy. Had it gone back to A,
        // evening out would move task 1 instead (C's most current copy): another revocation, another rebalance.
        Set<TaskId> all = allTasks(6);
        Map<TaskId, Long> lagsOfC = lags(all, tasks(5), 10_000);
        lagsOfC.put(new TaskId(0, 0), 20L);
        lagsOfC.put(new TaskId(0, 1), 5L);
        Plan plan = TaskPlacement.plan(List.of(
                new Client(A, 1, tasks(1, 2), tasks(3, 4), lags(all, tasks(0, 1, 2, 3, 4), 10_000)),
                new Client(B, 1, tasks(3, 4), tasks(2, 5), lags(all, tasks(2, 3, 4, 5), 10_000)),
                new Client(C, 1, tasks(5), tasks(0, 1), lagsOfC)), all, Set.of(), SETTINGS);

        assertThat(plan.active().get(C)).isEqualTo(tasks(0, 5));
        assertThat(plan.active().get(A)).isEqualTo(tasks(1, 2));
        assertThat(plan.moved()).isEmpty();
        assertValid(plan, all, 1);
    }

    @Test
    void shouldSpreadTasksAndStandbysEvenlyOnAFreshStart() {
        Set<TaskId> all = allTasks(12);
        List<Client> clients = List.of(A, B, C).stream()
                .map(id -> new Client(id, 1, Set.of(), Set.of(), lags(all, Set.of(), 0))).toList();

        Plan plan = TaskPlacement.plan(clients, all, Set.of(), SETTINGS);

        assertThat(plan.active().values()).allSatisfy(tasks -> assertThat(tasks).hasSize(4));
        assertThat(plan.standby().values()).allSatisfy(tasks -> assertThat(tasks).hasSize(4));
        assertThat(plan.probingRebalanceNeeded()).isFalse();
        assertValid(plan, all, 1);
    }

    @Test
    void shouldNotMoveATaskThatCountedNothingWhileOthersHave() {
        // A running stack where partitions 10 and 11 got no event yet: moving them would still cost a follow-up
        // rebalance, during which no instance commits.
        Set<TaskId> all = allTasks(12);
        Map<TaskId, Long> lagsOfC = lags(all, Set.of(), 100);
        lagsOfC.put(new TaskId(0, 10), 0L);
        lagsOfC.put(new TaskId(0, 11), 0L);
        Plan plan = planTwoRunningAnd(all, new Client(C, 1, Set.of(), Set.of(), lagsOfC));

        assertThat(plan.moved()).isEmpty();
        assertThat(plan.active().get(C)).isEmpty();
    }

    @Test
    void shouldBalanceAFreshStartAtOnce() {
        // A fresh stack: the first instance got every task alone; the second joins before an event was counted.
        Set<TaskId> all = allTasks(12);
        Plan plan = TaskPlacement.plan(List.of(new Client(A, 1, all, Set.of(), lags(all, all, 0)),
                new Client(B, 1, Set.of(), Set.of(), lags(all, Set.of(), 0))), all, Set.of(), SETTINGS);

        assertThat(plan.active().get(A)).hasSize(6);
        assertThat(plan.active().get(B)).hasSize(6);
        assertThat(plan.probingRebalanceNeeded()).isFalse();
        assertValid(plan, all, 1);
    }

    @Test
    void shouldShareByStreamThreads() {
        Set<TaskId> all = allTasks(12);
        Plan plan = TaskPlacement.plan(List.of(
                new Client(A, 2, Set.of(), Set.of(), lags(all, Set.of(), 0)),
                new Client(B, 1, Set.of(), Set.of(), lags(all, Set.of(), 0))), all, Set.of(), SETTINGS);

        assertThat(plan.active().get(A)).hasSize(8);
        assertThat(plan.active().get(B)).hasSize(4);
    }

    @Test
    void shouldMoveNothingWhenNoLagIsKnown() {
        Set<TaskId> all = allTasks(6);
        // Streams could not read the changelogs' end offsets: no lags at all.
        Client a = new Client(A, 1, all, Set.of(), Map.of());
        Client b = new Client(B, 1, Set.of(), Set.of(), Map.of());

        Plan plan = TaskPlacement.plan(List.of(a, b), all, Set.of(), SETTINGS);

        assertThat(plan.active().get(A)).isEqualTo(all);
        assertThat(plan.moved()).isEmpty();
        assertValid(plan, all, 1);
    }

    @Test
    void shouldPlaceStatelessTasksWithoutStandbys() {
        Set<TaskId> stateless = Set.of(new TaskId(1, 0), new TaskId(1, 1));
        Plan plan = TaskPlacement.plan(List.of(new Client(A, 1, Set.of(), Set.of(), Map.of()),
                new Client(B, 1, Set.of(), Set.of(), Map.of())), Set.of(), stateless, SETTINGS);

        assertThat(plan.active().get(A)).hasSize(1);
        assertThat(plan.active().get(B)).hasSize(1);
        assertThat(plan.standby().values()).allSatisfy(tasks -> assertThat(tasks).isEmpty());
    }

    /**
     * Random groups (instances joining, leaving, with copies at random lags): every task active exactly once, standbys
     * never beside their active, and an active task leaves a remaining owner only for an instance that kept a current
     * standby copy of it, or while nothing has been counted.
     */
    @Test
    void shouldOnlyEverMoveAnOwnedTaskToACurrentStandbyCopyOrOnAFreshStart() {
        Random random = new Random(42);
        for (int round = 0; round < 2_000; round++) {
            Set<TaskId> all = allTasks(1 + random.nextInt(24));
            int instances = 1 + random.nextInt(5);
            List<ProcessId> ids = IntStream.range(0, instances).mapToObj(n -> id(100 + n)).toList();
            Map<ProcessId, Set<TaskId>> previousActive = new HashMap<>();
            Map<ProcessId, Set<TaskId>> previousStandby = new HashMap<>();
            ids.forEach(id -> {
                previousActive.put(id, new TreeSet<>());
                previousStandby.put(id, new TreeSet<>());
            });
            boolean nothingCounted = random.nextInt(4) == 0; // a fresh start: every changelog empty
            for (TaskId task : all) {
                int owner = random.nextInt(instances + 1); // == instances: its owner left
                if (owner < instances) {
                    previousActive.get(ids.get(owner)).add(task);
                }
                int copy = random.nextInt(instances + 1);
                if (copy < instances && copy != owner) {
                    previousStandby.get(ids.get(copy)).add(task);
                }
            }
            List<Client> clients = new ArrayList<>();
            for (ProcessId id : ids) {
                Map<TaskId, Long> lags = new HashMap<>();
                for (TaskId task : all) {
                    lags.put(task, previousActive.get(id).contains(task) || nothingCounted ? 0L
                            : previousStandby.get(id).contains(task) ? random.nextInt(1_000) : 1_000L + random.nextInt(10));
                }
                clients.add(new Client(id, 1 + random.nextInt(2), previousActive.get(id), previousStandby.get(id), lags));
            }
            int replicas = random.nextInt(3);
            Plan plan = TaskPlacement.plan(clients, all, Set.of(), new Settings(500, replicas, 2));

            assertValid(plan, all, replicas);
            for (Client client : clients) {
                for (TaskId task : client.previousActive()) {
                    ProcessId now = plan.active().entrySet().stream().filter(e -> e.getValue().contains(task))
                            .findFirst().orElseThrow().getKey();
                    if (!now.equals(client.id())) {
                        Client to = clients.stream().filter(c -> c.id().equals(now)).findFirst().orElseThrow();
                        assertThat(to.previousStandby().contains(task) && to.lags().get(task) <= 500
                                || nothingCounted).as("round %d: %s moved to %s, lag %d", round, task, now,
                                to.lags().get(task)).isTrue();
                    }
                }
            }
        }
    }

    /** Each task active on exactly one instance; standbys elsewhere, as many as there are other instances for. */
    private static void assertValid(Plan plan, Set<TaskId> all, int replicas) {
        List<TaskId> actives = plan.active().values().stream().flatMap(Set::stream).toList();
        assertThat(actives).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(all);
        for (ProcessId id : plan.active().keySet()) {
            Set<TaskId> both = new TreeSet<>(plan.standby().get(id));
            both.retainAll(plan.active().get(id));
            assertThat(both).as("standbys of %s beside its actives", id).isEmpty();
        }
        int instances = plan.active().size();
        for (TaskId task : all) {
            long copies = plan.standby().values().stream().filter(tasks -> tasks.contains(task)).count();
            boolean warmup = plan.warmups().containsKey(task);
            assertThat(copies).as("standby copies of %s", task)
                    .isEqualTo(Math.min(replicas + (warmup ? 1 : 0), instances - 1));
        }
    }
}
