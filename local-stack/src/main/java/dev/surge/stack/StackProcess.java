package dev.surge.stack;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Optional;

/**
 * One process listed in {@code stack.json}.
 *
 * @param role     {@link Role#id()}
 * @param started  the process's start time as the OS reports it; with the pid it identifies the process, so a pid
 *                 reused by an unrelated process after a crash is never signalled (null when the OS does not say)
 * @param stateDir counter-streams' state directory (null for other roles)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StackProcess(String role, long pid, int port, String log, String started, String stateDir) {

    /** Describes a process that has just been started. */
    public static StackProcess of(Role role, ProcessHandle handle, int port, String log, String stateDir) {
        String started = handle.info().startInstant().map(Instant::toString).orElse(null);
        return new StackProcess(role.id(), handle.pid(), port, log, started, stateDir);
    }

    public boolean is(Role wanted) {
        return wanted.id().equals(role);
    }

    /** The live process this entry describes: empty when it has exited, or its pid now belongs to another one. */
    public Optional<ProcessHandle> handle() {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(handle -> started == null
                || handle.info().startInstant().map(instant -> instant.toString().equals(started)).orElse(true));
    }

    public boolean alive() {
        return handle().isPresent();
    }
}
