package dev.muster.services;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How one call is made. Immutable; start from {@link #DEFAULT} or {@link #timeout(Duration)}.
 *
 * @param timeout the deadline, from the moment of the call; null takes {@code rpc.default-timeout}
 * @param headers headers sent with the request
 * @param idempotent true lets a failed attempt that never reached a handler (unavailable,
 *     overloaded) be tried again on another instance; and, because running twice is harmless,
 *     one lost with its connection too
 * @param maxAttempts attempts at most, counting the first; retries also draw on the node's
 *     retry budget ({@code rpc.retry-budget}). 1 to 10; non-idempotent calls make one attempt.
 * @param filter only instances whose metadata holds these entries are called
 */
public record CallOptions(Duration timeout, Map<String, String> headers, boolean idempotent, int maxAttempts,
                          Map<String, String> filter) {

    public static final CallOptions DEFAULT = new CallOptions(null, Map.of(), false, 1, Map.of());

    public CallOptions {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        filter = filter == null ? Map.of() : Map.copyOf(filter);
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("call timeout: " + timeout + " must be positive");
        }
        if (maxAttempts < 1 || maxAttempts > 10) {
            throw new IllegalArgumentException("call maxAttempts: " + maxAttempts + " must be between 1 and 10");
        }
    }

    public static CallOptions timeout(Duration timeout) {
        return DEFAULT.withTimeout(timeout);
    }

    public CallOptions withTimeout(Duration t) {
        return new CallOptions(Objects.requireNonNull(t, "timeout"), headers, idempotent, maxAttempts, filter);
    }

    public CallOptions withHeaders(Map<String, String> h) {
        return new CallOptions(timeout, h, idempotent, maxAttempts, filter);
    }

    /** An idempotent call, tried up to {@code attempts} times in all. */
    public CallOptions idempotent(int attempts) {
        return new CallOptions(timeout, headers, true, attempts, filter);
    }

    public CallOptions withFilter(Map<String, String> f) {
        return new CallOptions(timeout, headers, idempotent, maxAttempts, f);
    }
}
