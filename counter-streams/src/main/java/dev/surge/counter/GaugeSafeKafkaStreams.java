package dev.surge.counter;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;

/**
 * Kafka Streams whose {@link #metrics()} leave out the gauges that crash the JVM when read at the wrong moment.
 *
 * <p>The transactional state stores' {@code uncommitted-bytes} gauge (KIP-892, Kafka 4.4) reads the size of the
 * store's RocksDB write batch through JNI. Seen in the fault run: while a stream thread was being replaced after the
 * broker restarted and its tasks were closing their stores, Micrometer's refresh of the Streams metrics (it reads
 * every metric's value) read that gauge and the JVM died of a SIGSEGV in {@code WriteBatch.getDataSize} (hs_err:
 * thread streams-metrics-g1-1). Every other metric stays.
 */
final class GaugeSafeKafkaStreams extends KafkaStreams {
    /** {@code StateStoreMetrics.UNCOMMITTED_BYTES}. */
    static final String UNCOMMITTED_BYTES = "uncommitted-bytes";

    GaugeSafeKafkaStreams(Topology topology, Properties properties) {
        super(topology, properties);
    }

    @Override
    public Map<MetricName, ? extends Metric> metrics() {
        Map<MetricName, Metric> safe = new LinkedHashMap<>();
        super.metrics().forEach((name, metric) -> {
            if (!UNCOMMITTED_BYTES.equals(name.name())) {
                safe.put(name, metric);
            }
        });
        return safe;
    }
}
