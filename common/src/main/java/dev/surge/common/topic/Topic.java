package dev.surge.common.topic;

import org.apache.kafka.common.serialization.Serde;

/** A Kafka topic together with the serdes of its keys and values: the one place that pairs them. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
}
