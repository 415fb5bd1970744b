package dev.surge.common.event;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * What an events topic holds: one event ({@link LoadEvent}, from {@code POST /simulate}) or one slice of a batch
 * ({@link EventSlice}, from {@code POST /simulate/batch}). Told apart by their fields (Jackson's deduction: an event
 * has {@code id} and {@code key}, a slice {@code batch} and {@code events}), so the JSON of an event is what it was
 * before batches existed.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.DEDUCTION)
@JsonSubTypes({@JsonSubTypes.Type(LoadEvent.class), @JsonSubTypes.Type(EventSlice.class)})
public sealed interface EventRecord permits LoadEvent, EventSlice {

    /** The Kafka record key it is written with: the load key of its (first) event, which decides its partition. */
    String recordKey();

    /** Epoch milliseconds at which ingest-api accepted it: the record's timestamp, and the bucket its events count in. */
    long receivedAt();

    /** How many events it carries. */
    int size();
}
