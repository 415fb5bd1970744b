package dev.surge.common.console;

import java.util.List;
import java.util.Map;

/**
 * What {@code GET /stats} answers, for the console page and for anyone polling it: this instance, every instance it
 * knows (itself first), and its last seconds.
 */
public record ConsoleStats(Instance self, List<Instance> instances, List<Second> seconds) {
    public static final String INGEST_API = "ingest-api";
    public static final String COUNTER_STREAMS = "counter-streams";

    /**
     * One instance as it reports itself.
     *
     * @param partitions        ingest-api: the reply ({@code load-acks}) partitions it reads; counter-streams: the
     *                          partitions of the generation taking new events that it actively counts
     * @param standbyPartitions counter-streams: the partitions it keeps a standby copy of; else null
     * @param lag               counter-streams: records of its events partitions not yet read; else null
     * @param breaker           ingest-api: the state of its circuit breaker in front of Kafka; else null
     * @param generation        counter-streams: the count path generation taking new events; else null
     * @param rescale           counter-streams, while a rescale is under way; else null
     */
    public record Instance(String role, String instance, String url, boolean ready, String detail,
                           List<Integer> partitions, List<Integer> standbyPartitions, Long lag, String breaker,
                           Integer generation, Rescale rescale) {
        /** A counter-streams instance with no generation running yet: its readiness only. */
        public static Instance notCounting(String instance, String url, boolean ready, String detail) {
            return new Instance(COUNTER_STREAMS, instance, url, ready, detail, List.of(), List.of(), null, null, null,
                    null);
        }

        /** An instance that did not answer. */
        public static Instance unreachable(String role, String url, String why) {
            return new Instance(role, url, url, false, "unreachable: " + why, List.of(), null, null, null, null,
                    null);
        }
    }

    /**
     * A rescale seen from one counter-streams instance.
     *
     * @param phase     PREPARING (the new generation restores, the old one counts) or CUTOVER (events go to the new
     *                  generation; each of its partitions counts once every old partition has handed over)
     * @param takenOver of the new generation's partitions this instance counts, how many have every hand-over
     * @param of        how many of the new generation's partitions this instance counts
     */
    public record Rescale(String phase, int from, int to, int partitionsFrom, int partitionsTo, int takenOver,
                         int of) {
    }

    /**
     * One whole second of this instance.
     *
     * @param t        the second (epoch seconds)
     * @param events   ingest-api: events answered as newly counted; counter-streams: events its tasks counted
     * @param answers  ingest-api: events by the status a single event with that outcome is answered with (200,
     *                 202, 400, 401, 429, 503, 504), only those seen; counter-streams: empty
     * @param ackP50Ms ingest-api: median time from request received to count known (200 answers to
     *                 {@code POST /simulate}), estimated from the histogram buckets as Prometheus'
     *                 {@code histogram_quantile} does; null when there was none
     * @param ackP99Ms the same, 99th percentile
     */
    public record Second(long t, long events, Map<String, Long> answers, Double ackP50Ms, Double ackP99Ms) {
    }
}
