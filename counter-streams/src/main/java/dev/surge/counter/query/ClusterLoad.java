package dev.surge.counter.query;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Load across every key of every instance. {@code matches} is present when a prefix was asked for.
 *
 * @param total     every event counted, all keys
 * @param keys      how many distinct keys have been counted
 * @param instances how many counter-streams instances answered
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClusterLoad(long total, long keys, Recent recent, List<KeyCount> top, List<KeyCount> matches,
                          int instances) {
}
