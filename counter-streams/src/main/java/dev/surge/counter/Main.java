package dev.surge.counter;

import dev.surge.common.config.Settings;

/** Wires counter-streams from the environment and runs it until SIGTERM/SIGINT. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        CounterConfig config = CounterConfig.from(Settings.fromEnvironment(System.getenv()));
        CounterService service = new CounterService(config).start();
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "counter-streams-shutdown"));
    }
}
