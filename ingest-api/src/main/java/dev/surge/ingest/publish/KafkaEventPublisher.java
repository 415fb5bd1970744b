package dev.surge.ingest.publish;

import dev.surge.common.config.KafkaSettings;
import dev.surge.common.countpath.CountPath;
import dev.surge.common.countpath.Generation;
import dev.surge.common.event.LoadEvent;
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
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Publishes events with an idempotent, {@code acks=all} producer keyed by load key, so all events of one key land
 * in one partition, in order, once: the events topic of the count path generation that takes new events now
 * (it changes when the count path is rescaled).
 */
public final class KafkaEventPublisher implements EventPublisher {
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final Producer<String, LoadEvent> producer;
    /** The events topic of the generation that takes new events; read per event, changed by a rescale. */
    private volatile String topic;

    public KafkaEventPublisher(Producer<String, LoadEvent> producer, CountPath countPath) {
        this.producer = producer;
        follow(countPath);
    }

    /** A producer whose every wait (metadata, buffer, delivery) is bounded by {@code produceTimeout}. */
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
                ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
        return kafka.clientConfig(defaults);
    }

    /** The producer's own metrics (kafka_producer_*), for the registry that serves /metrics. */
    public KafkaClientMetrics meters() {
        return new KafkaClientMetrics(producer);
    }

    /** Fetches the generation's topic metadata now, so that no request pays for (or blocks on) it later. */
    private void warmUp(Generation generation) {
        producer.partitionsFor(generation.eventsTopic());
    }

    /**
     * Writes to the generation that takes new events from now on, after fetching the metadata of every running
     * generation (the next one's too, while a rescale prepares it), so that no request pays for it.
     */
    public void follow(CountPath countPath) {
        countPath.running().forEach(this::warmUp);
        topic = countPath.writeTo().eventsTopic();
    }

    @Override
    public CompletableFuture<Written> publish(LoadEvent event, OptionalInt replyPartition) {
        RecordHeaders headers = new RecordHeaders();
        replyPartition.ifPresent(partition -> headers.add(Topics.REPLY_PARTITION_HEADER,
                Integer.toString(partition).getBytes(StandardCharsets.US_ASCII)));
        ProducerRecord<String, LoadEvent> record = new ProducerRecord<>(
                topic, null, event.receivedAt(), event.key(), event, headers);
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
