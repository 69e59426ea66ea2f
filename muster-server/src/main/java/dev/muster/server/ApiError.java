package dev.muster.server;

/**
 * A request the API answers with an error: the HTTP status and the JSON body
 * {@code {"error": short reason, "detail": what was wrong and what to do}}. Thrown by an
 * endpoint before it changes anything, so a bad request never changes state.
 */
final class ApiError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;

    ApiError(int status, String error, String detail) {
        super(detail);
        this.status = status;
        this.error = error;
    }

    int status() {
        return status;
    }

    String error() {
        return error;
    }

    static ApiError badRequest(String detail) {
        return new ApiError(400, "bad request", detail);
    }
}
