package dev.surge.common.http;

import java.util.Map;

/**
 * Thrown by a handler to end the request with a problem response; mapped to {@code application/problem+json} in one
 * place ({@link JsonResponses#installProblemMapping}) so handlers stay linear.
 */
public class ProblemException extends RuntimeException {
    private final transient Problem problem;
    private final transient Map<String, String> headers;

    public ProblemException(Problem problem) {
        this(problem, Map.of());
    }

    public ProblemException(Problem problem, Map<String, String> headers) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
        this.headers = Map.copyOf(headers);
    }

    public Problem problem() {
        return problem;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(Problem.of(400, "invalid-request", "Invalid request", detail));
    }

}
