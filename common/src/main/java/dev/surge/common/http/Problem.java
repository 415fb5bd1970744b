package dev.surge.common.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An RFC 9457 problem detail: what every Surge error response carries, as {@code application/problem+json}.
 *
 * @param type     a URI naming the kind of problem ({@code urn:surge:problem:...})
 * @param title    short, the same for every occurrence of the type
 * @param status   the HTTP status code
 * @param detail   what went wrong this time, in words a client developer can act on
 * @param instance the request path
 * @param errors   an extension member (RFC 9457 section 3.2): what is wrong with each bad element of a batch, by
 *                 its index; null (left out) for every other problem
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, List<Error> errors) {
    public static final String CONTENT_TYPE = "application/problem+json";

    /**
     * One bad element of a request that holds many.
     *
     * @param index   its index in the request, from 0
     * @param pointer a JSON pointer (RFC 6901) to it, or to its bad member, in the request body
     */
    public record Error(int index, String pointer, String detail) {
    }

    public static Problem of(int status, String slug, String title, String detail) {
        return new Problem("urn:surge:problem:" + slug, title, status, detail, null, null);
    }

    public Problem at(String path) {
        return new Problem(type, title, status, detail, path, errors);
    }

    public Problem withErrors(List<Error> errors) {
        return new Problem(type, title, status, detail, instance, List.copyOf(errors));
    }
}
