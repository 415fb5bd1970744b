package dev.surge.common.event;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * What {@code load-acks} holds: the count of one event ({@link CountAck}) or the counts of one slice of a batch
 * ({@link SliceAck}), told apart by their fields as {@link EventRecord}s are.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.DEDUCTION)
@JsonSubTypes({@JsonSubTypes.Type(CountAck.class), @JsonSubTypes.Type(SliceAck.class)})
public sealed interface AckRecord permits CountAck, SliceAck {
}
