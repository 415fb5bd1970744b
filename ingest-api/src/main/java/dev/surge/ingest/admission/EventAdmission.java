package dev.surge.ingest.admission;

/**
 * Admits a request's events once the route knows how many it carries: spends them from the client's and the
 * instance's rate limits and takes room for them among the events in flight, which {@link AdmissionControl} gives
 * back once the request is answered. Refused, it throws the 429 or 503
 * {@link dev.surge.common.http.ProblemException} to answer with, and takes nothing.
 */
@FunctionalInterface
public interface EventAdmission {
    void admit(int events);
}
