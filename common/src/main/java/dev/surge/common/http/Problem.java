package dev.surge.common.http;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem detail: what every Surge error response carries, as {@code application/problem+json}.
 *
 * @param type     a URI naming the kind of problem ({@code urn:surge:problem:...})
 * @param title    short, the same for every occurrence of the type
 * @param status   the HTTP status code
 * @param detail   what went wrong this time, in words a client developer can act on
 * @param instance the request path
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance) {
    public static final String CONTENT_TYPE = "application/problem+json";

    public static Problem of(int status, String slug, String title, String detail) {
        return new Problem("urn:surge:problem:" + slug, title, status, detail, null);
    }

    public Problem at(String path) {
        return new Problem(type, title, status, detail, path);
    }
}
