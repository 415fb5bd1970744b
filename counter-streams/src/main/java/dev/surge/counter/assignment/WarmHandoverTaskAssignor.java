package dev.surge.counter.assignment;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.assignment.AssignmentConfigs;
import org.apache.kafka.streams.processor.assignment.ApplicationState;
import org.apache.kafka.streams.processor.assignment.KafkaStreamsAssignment;
import org.apache.kafka.streams.processor.assignment.KafkaStreamsAssignment.AssignedTask;
import org.apache.kafka.streams.processor.assignment.KafkaStreamsState;
import org.apache.kafka.streams.processor.assignment.ProcessId;
import org.apache.kafka.streams.processor.assignment.TaskAssignor;
import org.apache.kafka.streams.processor.assignment.TaskInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' hook for a custom task assignment ({@code task.assignor.class}, KIP-924), run by the group leader at
 * each rebalance: reads what each instance has from Streams and places tasks with {@link TaskPlacement}.
 */
public final class WarmHandoverTaskAssignor implements TaskAssignor {
    private static final Logger LOG = LoggerFactory.getLogger(WarmHandoverTaskAssignor.class);
    /**
     * What {@code KafkaStreamsState.lagFor} reports for a task the instance was running as active
     * ({@code Task.LATEST_OFFSET} in Streams' internals): no lag.
     */
    private static final long RUNNING_ACTIVE = -2;

    @Override
    public TaskAssignment assign(ApplicationState application) {
        Set<TaskId> stateful = application.allTasks().values().stream().filter(TaskInfo::isStateful)
                .map(TaskInfo::id).collect(Collectors.toSet());
        Set<TaskId> stateless = application.allTasks().values().stream().filter(task -> !task.isStateful())
                .map(TaskInfo::id).collect(Collectors.toSet());
        List<TaskPlacement.Client> clients = application.kafkaStreamsStates(true).values().stream()
                .map(state -> new TaskPlacement.Client(state.processId(), state.numProcessingThreads(),
                        state.previousActiveTasks(), state.previousStandbyTasks(), lags(state, stateful)))
                .toList();
        AssignmentConfigs configs = application.assignmentConfigs();
        TaskPlacement.Plan plan = TaskPlacement.plan(clients, stateful, stateless, new TaskPlacement.Settings(
                configs.acceptableRecoveryLag(), configs.numStandbyReplicas(), configs.maxWarmupReplicas()));
        LOG.info("Task assignment: {}", TaskPlacement.describe(plan));

        List<KafkaStreamsAssignment> assignments = new ArrayList<>();
        for (ProcessId id : plan.active().keySet()) {
            Set<AssignedTask> tasks = new HashSet<>();
            plan.active().get(id).forEach(task -> tasks.add(new AssignedTask(task, AssignedTask.Type.ACTIVE)));
            plan.standby().get(id).forEach(task -> tasks.add(new AssignedTask(task, AssignedTask.Type.STANDBY)));
            KafkaStreamsAssignment assignment = KafkaStreamsAssignment.of(id, tasks);
            if (plan.probingRebalanceNeeded() && assignments.isEmpty()) {
                // One member asks for the rebalance at which warm-ups that have caught up take their tasks over.
                assignment = assignment.withFollowupRebalance(
                        Instant.now().plusMillis(configs.probingRebalanceIntervalMs()));
            }
            assignments.add(assignment);
        }
        return new TaskAssignment(assignments);
    }

    /**
     * Changelog records each local copy is behind. A task whose lag Streams does not give (its {@code lagFor} throws
     * {@code IllegalStateException} for a task it computed no lag for) is left out: treated as no copy, so it is not
     * moved to balance.
     */
    private static Map<TaskId, Long> lags(KafkaStreamsState state, Set<TaskId> stateful) {
        Map<TaskId, Long> lags = new HashMap<>();
        for (TaskId task : stateful) {
            long lag;
            try {
                lag = state.lagFor(task);
            } catch (IllegalStateException noLagComputed) {
                continue;
            }
            if (lag == RUNNING_ACTIVE) {
                lags.put(task, 0L);
            } else if (lag >= 0) {
                lags.put(task, lag);
            }
        }
        return lags;
    }
}
