package dev.surge.stack.faults;

import java.time.Duration;
import java.util.List;

/** One fault, injected under load; the stack is whole again (every process restarted) when {@link #run} returns. */
interface Scenario {
    String name();

    /** Injects the fault and restores the stack; the run checks the invariants afterwards. */
    Result run(FaultContext context) throws Exception;

    /**
     * What happened.
     *
     * @param faults        what was done, in words ("SIGKILL counter-streams pid 123, restarted")
     * @param recoverFrom   from when (milliseconds since the run began) every key should get 200s again
     * @param recoveryTarget the promise for that recovery (null: none)
     * @param violations    broken expectations of this scenario beyond I1-I4 (e.g. a 500)
     * @param figures       further figures for the report line
     */
    record Result(String faults, long recoverFrom, Duration recoveryTarget, List<String> violations,
                  List<String> figures) {
    }
}
