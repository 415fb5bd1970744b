package dev.surge.counter.topology;

import dev.surge.common.event.CountAck;
import dev.surge.common.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Sends each ack to the {@code load-acks} partition named by the event's {@value Topics#REPLY_PARTITION_HEADER}
 * header: the partition that the ingest-api instance holding the request reads, and no other instance reads.
 * Without a header (a durable-only request) or with a partition that {@code load-acks} does not have (more than the
 * topology can check: it does not know the partition count) the ack goes where its key hashes.
 */
final class ReplyPartitioner implements StreamPartitioner<String, CountAck> {

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, CountAck ack, int numPartitions) {
        return Optional.empty();
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, CountAck ack, Headers headers,
                                             int numPartitions) {
        Header header = headers == null ? null : headers.lastHeader(Topics.REPLY_PARTITION_HEADER);
        if (header == null) {
            return Optional.empty();
        }
        OptionalInt partition = partitionOf(header);
        return partition.isPresent() && partition.getAsInt() < numPartitions
                ? Optional.of(Set.of(partition.getAsInt()))
                : Optional.empty();
    }

    /**
     * The partition a reply header names: a decimal number from 0 up, as ingest-api writes it. Empty for anything
     * else (no value, not a number, negative, beyond an int); an event with such a header is a dead letter.
     */
    static OptionalInt partitionOf(Header header) {
        if (header.value() == null) {
            return OptionalInt.empty();
        }
        try {
            int partition = Integer.parseInt(new String(header.value(), StandardCharsets.US_ASCII));
            return partition >= 0 ? OptionalInt.of(partition) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }
}
