package dev.surge.stack.cli;

import dev.surge.stack.StackFile;
import dev.surge.stack.StackState;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --data-dir DIR}, shared by every subcommand: where the stack keeps its data and {@code stack.json}. */
final class DataDirOption {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data",
            description = "where the stack keeps data, logs and stack.json (default: ${DEFAULT-VALUE})")
    Path dataDir;

    StackFile stackFile() {
        return new StackFile(dataDir);
    }

    /** The running stack listed in DIR/stack.json, or a failure saying there is none. */
    StackState runningStack() {
        return stackFile().read().orElseThrow(() -> new IllegalStateException("No Surge stack is running from "
                + dataDir + " (" + stackFile().path() + " not found; start one with ./surge up --data-dir "
                + dataDir + ")"));
    }
}
