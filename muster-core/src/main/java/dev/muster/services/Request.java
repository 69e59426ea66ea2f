package dev.muster.services;

import java.util.Map;
import java.util.Objects;

/**
 * What a caller sends: the payload bytes and string headers. Immutable once made (the payload
 * array is not copied: do not change it after sending).
 */
public record Request(byte[] payload, Map<String, String> headers) {

    public Request {
        Objects.requireNonNull(payload, "payload");
        headers = headers == null || headers.isEmpty() ? Map.of() : Map.copyOf(headers);
    }

    public static Request of(byte[] payload) {
        return new Request(payload, Map.of());
    }
}
