package dev.surge.stack;

import java.nio.file.Path;

/** {@code ./surge up}: starts the local stack and keeps it running until Ctrl-C or SIGTERM. */
public final class SurgeUp {
    private SurgeUp() {
    }

    public static void main(String[] args) throws Exception {
        UpOptions options;
        try {
            options = UpOptions.parse(args, Path.of(System.getProperty("surge.home", ".")));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        LocalStack stack;
        try {
            stack = LocalStack.start(options, System.out);
        } catch (IllegalStateException e) {
            System.err.println("surge up failed: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            System.out.println("Surge stopped.");
        }, "surge-down"));
        if (!stack.superviseUntilClosed()) {
            System.err.println("surge: every process of the stack has exited");
            System.exit(1);
        }
    }
}
