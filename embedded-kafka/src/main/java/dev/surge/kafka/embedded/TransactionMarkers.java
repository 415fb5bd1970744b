package dev.surge.kafka.embedded;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;

/**
 * Writes the commit marker of a transaction its coordinator decided to commit on one partition, with the
 * {@code WriteTxnMarkers} request coordinators send to partition leaders. Kafka's Admin client can only abort
 * ({@code Admin.abortTransaction} sends this very request with the result "abort"); there is no public call for a
 * commit, so the request is sent here on a connection of its own to this broker's plaintext listener (the embedded
 * broker has no authentication; the request needs {@code CLUSTER_ACTION}, which no authorizer denies here).
 */
final class TransactionMarkers {
    /** Version 1: the first flexible one, the same fields as what {@code Admin.abortTransaction} fills. */
    private static final short VERSION = 1;

    private final String host;
    private final int port;
    private final Duration timeout;
    private int correlationId;

    TransactionMarkers(String host, int port, Duration timeout) {
        this.host = host;
        this.port = port;
        this.timeout = timeout;
    }

    /** Writes the commit marker on {@code partition}; throws if the leader refused it. */
    synchronized void commit(TopicPartition partition, long producerId, short producerEpoch, int coordinatorEpoch)
            throws IOException {
        WriteTxnMarkersRequestData data = new WriteTxnMarkersRequestData().setMarkers(List.of(
                new WriteTxnMarkersRequestData.WritableTxnMarker()
                        .setProducerId(producerId)
                        .setProducerEpoch(producerEpoch)
                        .setCoordinatorEpoch(coordinatorEpoch)
                        .setTransactionResult(true)
                        .setTopics(List.of(new WriteTxnMarkersRequestData.WritableTxnMarkerTopic()
                                .setName(partition.topic())
                                .setPartitionIndexes(List.of(partition.partition()))))));
        RequestHeader header = new RequestHeader(ApiKeys.WRITE_TXN_MARKERS, VERSION, "surge-hanging-transactions",
                ++correlationId);
        ByteBuffer request = new WriteTxnMarkersRequest.Builder(data).build(VERSION).serializeWithHeader(header);
        byte[] answer;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            byte[] bytes = new byte[request.remaining()];
            request.get(bytes);
            out.writeInt(bytes.length);
            out.write(bytes);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            answer = new byte[in.readInt()];
            in.readFully(answer);
        }
        WriteTxnMarkersResponse response = (WriteTxnMarkersResponse) AbstractResponse.parseResponse(
                ByteBuffer.wrap(answer), header);
        for (WriteTxnMarkersResponseData.WritableTxnMarkerResult marker : response.data().markers()) {
            for (WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult topic : marker.topics()) {
                for (WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult result : topic.partitions()) {
                    Errors error = Errors.forCode(result.errorCode());
                    if (error != Errors.NONE) {
                        throw new IOException("The commit marker for " + partition + " was refused: " + error.name());
                    }
                }
            }
        }
    }
}
