package dev.surge.stack;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The content of {@code DATA_DIR/stack.json}: who launched the stack, where Kafka is, and every process that belongs
 * to it, in the order they were started (those added later by {@code ./surge start} included).
 *
 * @param partitions partitions of {@code load-events} and {@code load-acks} when created, passed to every process
 * @param java       the home of the JDK the stack's services run on, as {@code ./surge up} chose it; {@code ./surge
 *                   start} runs an added instance on it too ({@link ServiceJdk#forAddedInstance}). Absent in files
 *                   written before 2026-12-02.
 */
public record StackState(Launcher launcher, String kafka, int partitions,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String java, List<StackProcess> processes) {

    /** The {@code ./surge up} process; {@code started} as in {@link StackProcess#started()}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Launcher(long pid, String started) {
        public static Launcher current() {
            ProcessHandle self = ProcessHandle.current();
            return new Launcher(self.pid(), self.info().startInstant().map(Instant::toString).orElse(null));
        }

        /** The live launcher: empty when it has exited, or its pid now belongs to another process. */
        public Optional<ProcessHandle> handle() {
            return new StackProcess("launcher", pid, 0, null, started, null).handle();
        }

        public boolean alive() {
            return handle().isPresent();
        }
    }

    public StackState {
        processes = List.copyOf(processes);
    }

    public StackState with(StackProcess process) {
        List<StackProcess> more = new ArrayList<>(processes);
        more.add(process);
        return new StackState(launcher, kafka, partitions, java, more);
    }

    public StackState without(long pid) {
        return new StackState(launcher, kafka, partitions, java, processes.stream().filter(p -> p.pid() != pid).toList());
    }

    public List<StackProcess> of(Role role) {
        return processes.stream().filter(p -> p.is(role)).toList();
    }

    public Optional<StackProcess> find(long pid) {
        return processes.stream().filter(p -> p.pid() == pid).findFirst();
    }

    public boolean lists(long pid) {
        return find(pid).isPresent();
    }
}
