package dev.surge.stack.faults;

/**
 * One HTTP attempt of the recording client, as it ended.
 *
 * @param event          the client's number for the event; retries of it share it
 * @param key            the load key
 * @param idempotencyKey the {@code Idempotency-Key} sent, or null for a plain event (never retried)
 * @param attempt        1 for the first try of the event, 2 for its first retry, ...
 * @param port           the ingest-api port it went to
 * @param sentAt         when it was sent, milliseconds since the run began
 * @param answeredAt     when the answer (or the failure) came, milliseconds since the run began
 * @param status         the HTTP status, or {@link #NO_ANSWER} when none came (timeout, connection refused or reset)
 * @param load           the running count of a 200, else null
 * @param eventId        the event id of a 200 or 202 (as counter-streams sees it), else null
 * @param duplicate      a 200 that answered a retry with the first attempt's count
 * @param retryAfter     the Retry-After header, or null
 * @param problem        whether the body was {@code application/problem+json}
 * @param error          why no answer came, or null
 */
record Attempt(long event, String key, String idempotencyKey, int attempt, int port, long sentAt, long answeredAt,
               int status, Long load, String eventId, boolean duplicate, String retryAfter, boolean problem,
               String error) {
    static final int NO_ANSWER = 0;

    boolean accepted() {
        return status == 200 || status == 202;
    }

    boolean counted() {
        return status == 200;
    }

    /** 4xx or 503: the event was not written. */
    boolean refused() {
        return status >= 400 && status != 504;
    }

    /** No answer, or 504 (Kafka did not confirm the write): whether it was written is not known. */
    boolean unanswered() {
        return status == NO_ANSWER || status == 504;
    }

    boolean idempotent() {
        return idempotencyKey != null;
    }
}
