package dev.surge.counter.assignment;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.assignment.ProcessId;

/**
 * Decides which counter-streams instance counts each partition (active task) and which keep warm copies (standby
 * tasks), as a pure function of what each instance had and how far behind its copies are.
 *
 * <p>Why not Kafka Streams' default (the high-availability assignor): it first deals the active tasks round-robin over
 * the instances, ignoring who had them, and keeps only moves to instances that are "caught up". An instance holding a
 * standby copy is caught up, so with standbys on every instance each join or leave shuffled active tasks between the
 * instances already running. A moved task counts nothing until the follow-up rebalance has completed, and that waits for
 * every member, including a JVM that has just started: 5 s without a count for the keys of a moved task, which ingest-api
 * answers with a 202 (seen in CI as the join test's 202s). Here:
 * <ul>
 *   <li>an active task stays where it was while that instance is in the group;</li>
 *   <li>a task without an owner (its instance left or crashed, it is being moved, or it is new) goes to an instance
 *       whose standby copy is current, then to the one with the most current copy on disk, then to the least loaded;</li>
 *   <li>the load is evened out only by moving a task to an instance that already kept a copy of it as a standby in the
 *       previous assignment and whose copy is within {@code acceptable.recovery.lag} (or anywhere while nothing has
 *       been counted yet, as on a fresh start): a joining instance first gets
 *       warm-up copies (at most {@code max.warmup.replicas} at a time) and takes tasks over at a later probing
 *       rebalance, once its JVM has been running and its copies are current;</li>
 *   <li>each stateful task gets {@code num.standby.replicas} standby copies on other instances, preferring the
 *       instances whose copy is most caught up, without piling more than an even share on one instance.</li>
 * </ul>
 */
public final class TaskPlacement {
    /**
     * One Streams instance (process) in the group. {@code lags} holds, for each stateful task, how many changelog
     * records its local copy is behind (0 for the task it was running); a task missing from it has no copy there.
     */
    public record Client(ProcessId id, int threads, Set<TaskId> previousActive, Set<TaskId> previousStandby,
                         Map<TaskId, Long> lags) {
        public Client {
            if (threads < 1) {
                throw new IllegalArgumentException("an instance runs at least one stream thread, got " + threads);
            }
            previousActive = Set.copyOf(previousActive);
            previousStandby = Set.copyOf(previousStandby);
            lags = Map.copyOf(lags);
        }

        long lagFor(TaskId task) {
            return lags.getOrDefault(task, Long.MAX_VALUE);
        }
    }

    /** The assignment settings this placement honours (from Streams' {@code AssignmentConfigs}). */
    public record Settings(long acceptableRecoveryLag, int standbyReplicas, int maxWarmupReplicas) {
    }

    /**
     * The outcome: active and standby tasks per instance (warm-ups are standbys), and whether a probing rebalance is
     * needed to move tasks once warm-ups have caught up.
     */
    public record Plan(SortedMap<ProcessId, Set<TaskId>> active, SortedMap<ProcessId, Set<TaskId>> standby,
                       Set<TaskId> moved, Map<TaskId, ProcessId> warmups, boolean probingRebalanceNeeded) {
    }

    private TaskPlacement() {
    }

    /**
     * @param clients the instances in the group now (at least one)
     * @param statefulTasks tasks with state (they get standbys and are placed by lag)
     * @param statelessTasks tasks without state (placed on the least loaded instance, sticky)
     */
    public static Plan plan(Collection<Client> clients, Set<TaskId> statefulTasks, Set<TaskId> statelessTasks,
                            Settings settings) {
        if (clients.isEmpty()) {
            throw new IllegalArgumentException("no instance to place tasks on");
        }
        Placement placement = new Placement(clients, statefulTasks, settings);
        placement.placeActives(statelessTasks);
        placement.balance();
        placement.placeStandbys();
        return placement.plan();
    }

    /** The mutable working state of one {@link #plan} call. */
    private static final class Placement {
        private final SortedMap<ProcessId, Client> clients = new TreeMap<>();
        private final Set<TaskId> stateful;
        private final Settings settings;
        private final int totalThreads;
        private final SortedMap<ProcessId, Set<TaskId>> active = new TreeMap<>();
        private final SortedMap<ProcessId, Set<TaskId>> standby = new TreeMap<>();
        private final Map<TaskId, ProcessId> warmups = new TreeMap<>();
        private final Set<TaskId> moved = new TreeSet<>();
        /** No instance is behind on any task: every changelog is empty. */
        private final boolean nothingCounted;
        private boolean probingRebalanceNeeded;

        Placement(Collection<Client> clients, Set<TaskId> stateful, Settings settings) {
            clients.forEach(client -> this.clients.put(client.id(), client));
            this.stateful = stateful;
            this.settings = settings;
            this.totalThreads = clients.stream().mapToInt(Client::threads).sum();
            this.nothingCounted = clients.stream().allMatch(client -> stateful.stream()
                    .allMatch(task -> client.lagFor(task) == 0));
            this.clients.keySet().forEach(id -> {
                active.put(id, new TreeSet<>());
                standby.put(id, new TreeSet<>());
            });
        }

        private boolean caughtUp(Client client, TaskId task) {
            return lag(client, task) <= settings.acceptableRecoveryLag();
        }

        private long lag(Client client, TaskId task) {
            return stateful.contains(task) ? client.lagFor(task) : 0;
        }

        /**
         * A balancing move needs nothing restored: the destination kept a current copy, the task has no state, or the
         * application has not counted an event yet (a fresh start: every changelog is empty). A task that merely has
         * not counted anything yet on a running stack is not moved either: every move costs a follow-up rebalance, and
         * while one is in progress Streams commits nothing, so every instance's counts wait for the slowest member.
         */
        private boolean canTakeOver(Client to, TaskId task) {
            return !stateful.contains(task) || nothingCounted
                    || to.previousStandby().contains(task) && caughtUp(to, task);
        }

        /** Active tasks per thread: how loaded an instance is. */
        private double load(ProcessId id) {
            return (double) active.get(id).size() / clients.get(id).threads();
        }

        void placeActives(Set<TaskId> statelessTasks) {
            Set<TaskId> all = new TreeSet<>(stateful);
            all.addAll(statelessTasks);
            List<TaskId> orphans = new ArrayList<>();
            for (TaskId task : all) {
                // Sticky: the instance that ran it keeps it (if two claim it, the one with the smaller lag).
                clients.values().stream().filter(client -> client.previousActive().contains(task))
                        .min(Comparator.comparingLong((Client client) -> lag(client, task))
                                .thenComparing(Client::id))
                        .ifPresentOrElse(owner -> active.get(owner.id()).add(task), () -> orphans.add(task));
            }
            for (TaskId task : orphans) {
                // A copy the instance kept as a standby in the previous assignment first: that is also where a task
                // on its way from one instance to another waits (Streams keeps the destination's standby while the
                // source revokes it), while the source still has a store on disk that looks just as current.
                Client chosen = clients.values().stream().min(Comparator
                        .comparing((Client client) -> !caughtUp(client, task))
                        .thenComparing(client -> !client.previousStandby().contains(task))
                        .thenComparingLong(client -> lag(client, task))
                        .thenComparingDouble(client -> load(client.id()))
                        .thenComparing(Client::id)).orElseThrow();
                active.get(chosen.id()).add(task);
            }
        }

        private int floor(ProcessId id, int tasks) {
            return (int) Math.floor((double) tasks * clients.get(id).threads() / totalThreads);
        }

        private int ceil(ProcessId id, int tasks) {
            return (int) Math.ceil((double) tasks * clients.get(id).threads() / totalThreads);
        }

        /**
         * Moves tasks from instances above their share to instances below it, only where the destination kept a
         * caught-up standby copy; elsewhere gives the destination warm-up copies and asks for a probing rebalance.
         * First up to every instance's floor share, then to its ceiling: each move lowers a shortfall, so it ends.
         */
        void balance() {
            int tasks = active.values().stream().mapToInt(Set::size).sum();
            List<Function<ProcessId, Integer>> shares = List.of(id -> floor(id, tasks), id -> ceil(id, tasks));
            for (Function<ProcessId, Integer> share : shares) {
                boolean movedOne = true;
                while (movedOne) {
                    movedOne = false;
                    for (ProcessId destination : clients.keySet()) {
                        if (active.get(destination).size() < share.apply(destination)
                                && moveOneTo(destination, share)) {
                            movedOne = true;
                        }
                    }
                }
            }
            planWarmups(shares.get(0));
        }

        private boolean moveOneTo(ProcessId destination, Function<ProcessId, Integer> share) {
            Client to = clients.get(destination);
            for (ProcessId source : sourcesAbove(share, destination)) {
                TaskId best = active.get(source).stream().filter(task -> canTakeOver(to, task))
                        .min(Comparator.comparingLong((TaskId task) -> lag(to, task))
                                .thenComparing(Comparator.naturalOrder()))
                        .orElse(null);
                if (best != null) {
                    active.get(source).remove(best);
                    active.get(destination).add(best);
                    moved.add(best);
                    return true;
                }
            }
            return false;
        }

        /** Instances other than {@code destination} holding more than their {@code share}, most loaded first. */
        private List<ProcessId> sourcesAbove(Function<ProcessId, Integer> share, ProcessId destination) {
            return clients.keySet().stream()
                    .filter(id -> !id.equals(destination) && active.get(id).size() > share.apply(id))
                    .sorted(Comparator.comparingDouble((ProcessId id) -> -load(id)).thenComparing(id -> id))
                    .toList();
        }

        private void planWarmups(Function<ProcessId, Integer> share) {
            int budget = settings.maxWarmupReplicas();
            for (ProcessId destination : clients.keySet()) {
                int missing = share.apply(destination) - active.get(destination).size();
                if (missing <= 0) {
                    continue;
                }
                probingRebalanceNeeded = true;
                Client to = clients.get(destination);
                List<TaskId> candidates = sourcesAbove(share, destination).stream()
                        .flatMap(source -> active.get(source).stream())
                        .filter(stateful::contains)
                        .sorted(Comparator.comparingLong((TaskId task) -> lag(to, task))
                                .thenComparing(Comparator.naturalOrder()))
                        .toList();
                for (TaskId task : candidates) {
                    if (missing == 0 || budget == 0) {
                        break;
                    }
                    if (!warmups.containsKey(task)) {
                        warmups.put(task, destination);
                        standby.get(destination).add(task);
                        missing--;
                        budget--;
                    }
                }
            }
        }

        void placeStandbys() {
            int share = (int) Math.ceil((double) stateful.size() * settings.standbyReplicas() / clients.size());
            for (TaskId task : stateful) {
                for (int replica = 0; replica < settings.standbyReplicas(); replica++) {
                    clients.values().stream()
                            .filter(client -> !active.get(client.id()).contains(task)
                                    && !standby.get(client.id()).contains(task))
                            .min(Comparator
                                    .comparing((Client client) -> regularStandbys(client.id()) >= share)
                                    .thenComparingLong(client -> lag(client, task))
                                    .thenComparingInt(client -> standby.get(client.id()).size())
                                    .thenComparing(Client::id))
                            .ifPresent(client -> standby.get(client.id()).add(task));
                }
            }
        }

        private long regularStandbys(ProcessId id) {
            return standby.get(id).stream().filter(task -> !id.equals(warmups.get(task))).count();
        }

        Plan plan() {
            SortedMap<ProcessId, Set<TaskId>> activeOut = new TreeMap<>();
            SortedMap<ProcessId, Set<TaskId>> standbyOut = new TreeMap<>();
            active.forEach((id, tasks) -> activeOut.put(id, Set.copyOf(tasks)));
            standby.forEach((id, tasks) -> standbyOut.put(id, Set.copyOf(tasks)));
            return new Plan(activeOut, standbyOut, Set.copyOf(moved), Map.copyOf(warmups), probingRebalanceNeeded);
        }
    }

    /** One line for the log: tasks per instance. */
    public static String describe(Plan plan) {
        return plan.active().keySet().stream().map(id -> id + "=active" + new TreeSet<>(plan.active().get(id))
                + " standby" + new TreeSet<>(plan.standby().get(id))).collect(Collectors.joining(", "))
                + "; moved " + new TreeSet<>(plan.moved()) + "; warm-ups " + plan.warmups()
                + (plan.probingRebalanceNeeded() ? "; probing rebalance needed" : "");
    }
}
