package dev.surge.stack.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** {@link StackStatus} as tables for a person at a terminal. */
final class StatusTable {
    private StatusTable() {
    }

    static void print(StackStatus status, PrintStream out) {
        out.println("Stack in " + status.dataDir() + (status.launcher() == null ? ""
                : ", launcher pid " + status.launcher().pid() + (status.launcher().alive() ? "" : " (gone)")));
        out.println("Kafka " + status.kafka().bootstrap() + (status.kafka().reachable() ? ""
                : "  NOT REACHABLE: " + status.kafka().error()));
        out.println();
        out.printf("%-16s %8s %6s %-6s %-6s %s%n", "ROLE", "PID", "PORT", "ALIVE", "READY",
                "ACTIVE LOAD-EVENTS PARTITIONS");
        for (StackStatus.Process process : status.processes()) {
            out.printf("%-16s %8d %6d %-6s %-6s %s%n", process.role(), process.pid(), process.port(),
                    yesNo(process.alive()), yesNo(process.ready()),
                    process.activePartitions() == null ? "" : ranges(process.activePartitions()));
        }
        if (!status.kafka().reachable()) {
            return;
        }
        StackStatus.CountPathInfo path = status.countPath();
        if (path != null) {
            out.println();
            out.println("Count path: generation " + path.generation() + " (" + path.phase() + "), " + path.topic()
                    + ", " + path.partitions() + " partitions, group " + path.group() + "; records per partition "
                    + path.endOffsets());
            if (path.previous() != null) {
                out.println("  rescale under way with generation " + path.previous().generation() + " ("
                        + path.previous().topic() + ", " + path.previous().partitions() + " partitions)");
            }
        }
        out.println();
        out.printf("%-16s %s%n", "TOPIC", "PARTITIONS");
        status.topics().forEach(topic -> out.printf("%-16s %d%n", topic.name(), topic.partitions()));
        for (StackStatus.Group group : status.groups()) {
            out.println();
            out.println("Group " + group.groupId() + " (" + group.role() + "): " + group.state()
                    + (group.error() == null ? "" : "  " + group.error()) + ", lag " + group.lag().total()
                    + (group.lag().partitions().isEmpty() ? " (no committed offsets)" : ""));
            if (!group.members().isEmpty()) {
                out.printf("  %-74s %-12s %s%n", "MEMBER (client id)", "HOST", "ASSIGNED");
            }
            for (StackStatus.Member member : group.members()) {
                out.printf("  %-74s %-12s %s%n", member.clientId(), member.host(), assignment(member.assignment()));
            }
        }
    }

    private static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }

    private static String assignment(Map<String, List<Integer>> assignment) {
        if (assignment.isEmpty()) {
            return "-";
        }
        return assignment.entrySet().stream().map(topic -> topic.getKey() + " " + ranges(topic.getValue()))
                .collect(Collectors.joining("; "));
    }

    /** 0,1,2,5,7,8 as "0-2,5,7-8". */
    static String ranges(List<Integer> sorted) {
        if (sorted.isEmpty()) {
            return "-";
        }
        StringBuilder text = new StringBuilder();
        int start = sorted.get(0);
        int previous = start;
        for (int i = 1; i <= sorted.size(); i++) {
            if (i < sorted.size() && sorted.get(i) == previous + 1) {
                previous = sorted.get(i);
                continue;
            }
            text.append(text.length() == 0 ? "" : ",").append(start == previous ? start : start + "-" + previous);
            if (i < sorted.size()) {
                start = sorted.get(i);
                previous = start;
            }
        }
        return text.toString();
    }
}
