package dev.surge.common.countpath;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which generations of the count path exist and which one takes new events: the one record on the
 * {@code surge-count-path} topic that every ingest-api and counter-streams instance follows, written only by
 * {@code ./surge rescale}.
 *
 * <ul>
 *   <li>{@link Phase#SETTLED}: one generation, {@link #current()}, takes and counts every event.</li>
 *   <li>{@link Phase#PREPARING}: the next generation's application starts beside the previous one; it holds
 *       whatever reaches it. Events are still written to {@link #previous()}.</li>
 *   <li>{@link Phase#CUTOVER}: events are written to {@link #current()}. Each task of the previous generation
 *       hands its keys' state over (counts, per-second buckets, idempotency keys) in one transaction and from then
 *       on forwards any late event it still receives; each task of the current generation holds its events until
 *       every previous task has handed over, then counts on from the handed-over state.</li>
 * </ul>
 *
 * @param previous the generation being replaced; null when settled
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CountPath(Generation current, Generation previous, Phase phase) {
    public enum Phase { PREPARING, CUTOVER, SETTLED }

    public CountPath {
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(phase, "phase");
        if ((phase == Phase.SETTLED) != (previous == null)) {
            throw new IllegalArgumentException("a previous generation exists exactly while a rescale is under way");
        }
        if (previous != null && previous.number() != current.number() - 1) {
            throw new IllegalArgumentException("generation " + current.number() + " follows generation "
                    + (current.number() - 1) + ", not " + previous.number());
        }
    }

    /** Before any rescale: generation 1 on {@code load-events} with the partitions it was created with. */
    public static CountPath initial(int partitions) {
        return new CountPath(new Generation(1, partitions), null, Phase.SETTLED);
    }

    /** The generation whose events topic new events go to. */
    @JsonIgnore
    public Generation writeTo() {
        return phase == Phase.PREPARING ? previous : current;
    }

    /** The generations whose Streams applications run now (the previous one first). */
    @JsonIgnore
    public List<Generation> running() {
        return previous == null ? List.of(current) : List.of(previous, current);
    }

    /** The generation that {@code number} hands its state to now, if it is being replaced and the cut-over began. */
    public Optional<Generation> successorOf(int number) {
        return phase == Phase.CUTOVER && previous.number() == number ? Optional.of(current) : Optional.empty();
    }

    public CountPath preparing(int partitions) {
        if (phase != Phase.SETTLED) {
            throw new IllegalStateException("a rescale to " + current.partitions() + " partitions is under way");
        }
        return new CountPath(new Generation(current.number() + 1, partitions), current, Phase.PREPARING);
    }

    public CountPath cutover() {
        if (phase != Phase.PREPARING) {
            throw new IllegalStateException("cut-over follows PREPARING, not " + phase);
        }
        return new CountPath(current, previous, Phase.CUTOVER);
    }

    public CountPath settled() {
        if (phase != Phase.CUTOVER) {
            throw new IllegalStateException("settling follows CUTOVER, not " + phase);
        }
        return new CountPath(current, null, Phase.SETTLED);
    }
}
