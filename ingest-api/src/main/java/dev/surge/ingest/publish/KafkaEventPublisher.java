package dev.surge.ingest.publish;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.countpath.CountPath;
import dev.surge.common.countpath.Generation;
import dev.surge.common.event.EventRecord;
import dev.surge.common.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes events with an idempotent, {@code acks=all} producer keyed by load key, so all events of one key land
 * in one partition, in order, once: the events topic of the count path generation that takes new events now
 * (it changes when the count path is rescaled).
 */
public final class KafkaEventPublisher implements EventPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventPublisher.class);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);
    /**
     * How long {@code send} may hold the request thread that calls it ({@code max.block.ms}): waiting for the topic's
     * metadata or for room in the producer's buffer. Short, because request threads are few
     * ({@link dev.surge.ingest.admission.AdmissionConfig#defaultRequestThreads}): a write that cannot start within
     * it is refused (503, not written) and counts as a failure for the circuit breaker, instead of holding a thread
     * for the produce timeout. The metadata of every topic written to is fetched before it is written to
     * ({@link #follow}), so a healthy producer does not wait here; it does after the broker lost or dropped the
     * topic's metadata (seen when a broker stops: {@code KafkaProducer.waitOnMetadata} waits for an update).
     */
    static final Duration MAX_BLOCK = Duration.ofMillis(100);
    /** How long {@link #follow} tries to fetch a topic's metadata before it leaves that to the first write. */
    private static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(30);

    private final Producer<String, EventRecord> producer;
    /** The generation that takes new events; read per event, changed by a rescale. */
    private volatile Generation generation;

    public KafkaEventPublisher(Producer<String, EventRecord> producer, CountPath countPath) {
        this.producer = producer;
        follow(countPath);
    }

    /**
     * A producer whose every write is confirmed or failed within {@code produceTimeout} and holds its caller at most
     * {@link #MAX_BLOCK} (or the produce timeout, if shorter).
     */
    public static KafkaEventPublisher create(KafkaSettings kafka, Duration produceTimeout, String clientId,
                                             CountPath countPath) {
        return new KafkaEventPublisher(new KafkaProducer<>(producerConfig(kafka, produceTimeout, clientId),
                Topics.LOAD_EVENTS.keySerde().serializer(), Topics.LOAD_EVENTS.valueSerde().serializer()), countPath);
    }

    /** The producer's settings: every {@code kafka.*} setting (SASL, SSL, ...) over these defaults. */
    public static Map<String, Object> producerConfig(KafkaSettings kafka, Duration produceTimeout, String clientId) {
        long timeout = produceTimeout.toMillis();
        long linger = Math.min(5, timeout / 4);
        Map<String, Object> defaults = Map.of(
                ProducerConfig.CLIENT_ID_CONFIG, clientId,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, linger,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) (timeout - linger),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(timeout, MAX_BLOCK.toMillis()));
        return kafka.clientConfig(defaults);
    }

    /** The producer's own metrics (kafka_producer_*), for the registry that serves /metrics. */
    public KafkaClientMetrics meters() {
        return new KafkaClientMetrics(producer);
    }

    /**
     * Fetches the generation's topic metadata now, so that no request pays for (or blocks on) it later. Each try is
     * bounded by {@code max.block.ms}, so it tries again until {@link #WARM_UP_TIMEOUT}; then the first write tries.
     */
    private void warmUp(Generation generation) {
        long deadline = System.nanoTime() + WARM_UP_TIMEOUT.toNanos();
        while (true) {
            try {
                producer.partitionsFor(generation.eventsTopic());
                return;
            } catch (TimeoutException e) {
                if (System.nanoTime() - deadline > 0) {
                    LOG.warn("No metadata for {} within {}; the first write to it fetches it", generation.eventsTopic(),
                            WARM_UP_TIMEOUT);
                    return;
                }
            }
        }
    }

    /**
     * Writes to the generation that takes new events from now on, after fetching the metadata of every running
     * generation (the next one's too, while a rescale prepares it), so that no request pays for it.
     */
    public void follow(CountPath countPath) {
        countPath.running().forEach(this::warmUp);
        generation = countPath.writeTo();
    }

    @Override
    public Generation writeTo() {
        return generation;
    }

    @Override
    public CompletableFuture<Written> publish(EventRecord event, Generation to, OptionalInt replyPartition) {
        RecordHeaders headers = new RecordHeaders();
        replyPartition.ifPresent(partition -> headers.add(Topics.REPLY_PARTITION_HEADER,
                Integer.toString(partition).getBytes(StandardCharsets.US_ASCII)));
        // The partition is left to the producer: the record key's hash, the same function as Generation.partitionOf.
        ProducerRecord<String, EventRecord> record = new ProducerRecord<>(
                to.eventsTopic(), null, event.receivedAt(), event.recordKey(), event, headers);
        CompletableFuture<Written> written = new CompletableFuture<>();
        Thread caller = Thread.currentThread();
        boolean[] sending = {true};
        try {
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    written.complete(new Written(metadata.partition(), metadata.offset()));
                } else if (sending[0] && Thread.currentThread() == caller) {
                    // KafkaProducer.doSend reports what fails before the record is appended (no metadata within
                    // max.block.ms, a record too large, ...) through the callback, still inside send(): the
                    // producer never took the record, so it cannot reach Kafka later.
                    written.completeExceptionally(refused(error));
                } else {
                    written.completeExceptionally(error);
                }
            });
        } catch (KafkaException e) {
            written.completeExceptionally(refused(e));
        } finally {
            sending[0] = false;
        }
        return written;
    }

    private static KafkaUnavailableException refused(Exception e) {
        return new KafkaUnavailableException("Kafka refused the write: " + e, RETRY_AFTER);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
