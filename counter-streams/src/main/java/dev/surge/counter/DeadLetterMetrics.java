package dev.surge.counter;

import dev.surge.counter.topology.CounterTopology;
import dev.surge.common.event.DeadLetterReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * {@code surge_dead_letters_total{reason}}: records of an events topic sent to {@code load-events-dlq}, by {@link
 * DeadLetterReason#code()}, counted as the stream threads send them. A record processed again after a crash or an
 * aborted transaction is counted again, while the topic holds it once for {@code read_committed} readers.
 *
 * <p>Every reason is registered at 0 when the service starts: a series that appears only with its first dead letter
 * at 1 shows no {@code increase()} to an alert rule.
 */
final class DeadLetterMetrics implements CounterTopology.DeadLetterListener {
    private final Map<DeadLetterReason, Counter> counters = new EnumMap<>(DeadLetterReason.class);

    DeadLetterMetrics(MeterRegistry registry) {
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            counters.put(reason, Counter.builder("surge.dead.letters")
                    .description("Records of an events topic that are not valid events, sent to load-events-dlq")
                    .tag("reason", reason.code())
                    .register(registry));
        }
    }

    @Override
    public void deadLettered(DeadLetterReason reason) {
        counters.get(reason).increment();
    }
}
