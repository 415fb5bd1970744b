package dev.surge.counter.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.surge.common.event.CountAck;
import dev.surge.common.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class ReplyPartitionerTest {
    private final ReplyPartitioner partitioner = new ReplyPartitioner();
    private final CountAck ack = new CountAck("e", "k", 1);

    private static RecordHeaders replyTo(String value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.REPLY_PARTITION_HEADER, value.getBytes(StandardCharsets.US_ASCII));
        return headers;
    }

    @Test
    void shouldSendTheAckToThePartitionNamedByTheEvent() {
        assertThat(partitioner.partitions("load-acks", "k", ack, replyTo("11"), 12)).contains(Set.of(11));
        assertThat(partitioner.partitions("load-acks", "k", ack, replyTo("0"), 12)).contains(Set.of(0));
    }

    @Test
    void shouldFallBackToKeyHashingWithoutAUsableHeader() {
        assertThat(partitioner.partitions("load-acks", "k", ack, new RecordHeaders(), 12)).isEqualTo(Optional.empty());
        assertThat(partitioner.partitions("load-acks", "k", ack, replyTo("12"), 12)).isEmpty();
        assertThat(partitioner.partitions("load-acks", "k", ack, replyTo("-1"), 12)).isEmpty();
        assertThat(partitioner.partitions("load-acks", "k", ack, replyTo("seven"), 12)).isEmpty();
    }
}
