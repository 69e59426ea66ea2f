package dev.muster.services;

/**
 * Turns objects into payload bytes and back, for typed handlers and calls. Must be thread-safe.
 * The default is {@link JsonCodec}.
 */
public interface ServiceCodec {

    byte[] encode(Object value);

    /**
     * @throws IllegalArgumentException when the bytes are not a {@code type}, with the reason
     */
    <T> T decode(byte[] bytes, Class<T> type);
}
