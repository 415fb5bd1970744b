package dev.surge.counter.query;

/** The load queries of the count path generations running in this instance. */
public interface GenerationQueries {
    /** The generation clients read now; null while starting. */
    LoadQueries current();

    /** One running generation (a query forwarded by another instance names it); null when it does not run here. */
    LoadQueries of(int generation);
}
