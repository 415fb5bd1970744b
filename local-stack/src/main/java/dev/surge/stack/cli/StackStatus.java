package dev.surge.stack.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What {@code ./surge status} found, and the shape of {@code ./surge status --json} (documented in README.md; add
 * fields, do not rename them: scripts read this).
 */
record StackStatus(String dataDir, Launcher launcher, Kafka kafka, List<Process> processes, List<TopicInfo> topics,
                   List<Group> groups, CountPathInfo countPath) {

    /**
     * The count path: the generation that takes new events, its events topic and partition count, and how many
     * records each of its partitions holds (log-end offsets); {@code previous} only while a rescale is under way.
     *
     * @param phase SETTLED, PREPARING or CUTOVER (see {@code ./surge rescale})
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CountPathInfo(int generation, String phase, String topic, int partitions, String group,
                         List<Long> endOffsets, GenerationInfo previous) {
    }

    record GenerationInfo(int generation, String topic, int partitions, String group) {
    }

    record Launcher(long pid, boolean alive) {
    }

    /** {@code error} is null when Kafka answered. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Kafka(String bootstrap, boolean reachable, String error) {
    }

    /**
     * @param ready             broker: Kafka answers; services: {@code GET /health/ready} is 200
     * @param activePartitions  counter-streams only: the {@code load-events} partitions it actively owns, as it says
     *                          itself ({@code GET /internal/load}); null when it does not answer or for other roles
     */
    record Process(String role, long pid, int port, boolean alive, boolean ready, String log,
                   List<Integer> activePartitions) {
    }

    /** One topic of the count path and its partition count. */
    record TopicInfo(String name, int partitions) {
    }

    /**
     * A consumer group of the count path.
     *
     * @param role  the role whose instances are its members
     * @param state the group state as the coordinator reports it ({@code STABLE}, {@code EMPTY}, ...)
     * @param error why the group could not be described; null when it could
     */
    record Group(String groupId, String role, String state, List<Member> members, Lag lag, String error) {
    }

    /** @param assignment topic to its assigned partitions, sorted */
    record Member(String clientId, String host, Map<String, List<Integer>> assignment) {
    }

    /** Consumer lag of a group: log-end offsets (read_committed) minus committed offsets. */
    record Lag(long total, List<PartitionLag> partitions) {
    }

    record PartitionLag(String topic, int partition, long committed, long end, long lag) {
    }
}
