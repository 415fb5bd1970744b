package dev.surge.counter.query;

import java.util.Comparator;

/** A key and its all-time count. */
public record KeyCount(String key, long load) {
    /** Highest load first; ties by key, so merged lists are stable. */
    public static final Comparator<KeyCount> BUSIEST_FIRST =
            Comparator.comparingLong(KeyCount::load).reversed().thenComparing(KeyCount::key);
}
