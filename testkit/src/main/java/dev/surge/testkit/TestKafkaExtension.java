package dev.surge.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link TestKafka} for a test class: started before its first test, closed after its {@code @AfterAll} methods
 * (so the services a class starts on it are closed first).
 *
 * <pre>{@code @RegisterExtension static final TestKafkaExtension KAFKA = new TestKafkaExtension();}</pre>
 */
public final class TestKafkaExtension implements BeforeAllCallback, AfterAllCallback {
    private TestKafka kafka;

    @Override
    public void beforeAll(ExtensionContext context) {
        kafka = TestKafka.start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
    }

    public String bootstrapServers() {
        if (kafka == null) {
            throw new IllegalStateException("No broker: register this extension as a static @RegisterExtension field");
        }
        return kafka.bootstrapServers();
    }
}
