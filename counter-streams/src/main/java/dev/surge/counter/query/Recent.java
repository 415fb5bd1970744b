package dev.surge.counter.query;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Events counted in the one-second buckets that overlap the trailing 1 s, 10 s and 60 s. */
public record Recent(@JsonProperty("1s") long lastSecond,
                     @JsonProperty("10s") long last10Seconds,
                     @JsonProperty("60s") long lastMinute) {
    public static final Recent NONE = new Recent(0, 0, 0);

    public Recent plus(Recent other) {
        return new Recent(lastSecond + other.lastSecond, last10Seconds + other.last10Seconds,
                lastMinute + other.lastMinute);
    }
}
