package dev.muster.services;

import java.util.Map;
import java.util.Objects;

/** What a handler answers: the payload bytes and string headers. */
public record Reply(byte[] payload, Map<String, String> headers) {

    /** An empty reply, for handlers that only act. */
    public static final Reply EMPTY = new Reply(new byte[0], Map.of());

    public Reply {
        Objects.requireNonNull(payload, "payload");
        headers = headers == null || headers.isEmpty() ? Map.of() : Map.copyOf(headers);
    }

    public static Reply of(byte[] payload) {
        return new Reply(payload, Map.of());
    }
}
