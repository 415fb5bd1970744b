package dev.surge.counter.topology;

import dev.surge.common.event.AckRecord;
import dev.surge.common.event.EventCheck;
import dev.surge.common.topic.Topics;
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
final class ReplyPartitioner implements StreamPartitioner<String, AckRecord> {

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, AckRecord ack, int numPartitions) {
        return Optional.empty();
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, AckRecord ack, Headers headers,
                                             int numPartitions) {
        Header header = headers == null ? null : headers.lastHeader(Topics.REPLY_PARTITION_HEADER);
        if (header == null) {
            return Optional.empty();
        }
        OptionalInt partition = EventCheck.replyPartitionOf(header);
        return partition.isPresent() && partition.getAsInt() < numPartitions
                ? Optional.of(Set.of(partition.getAsInt()))
                : Optional.empty();
    }
}
