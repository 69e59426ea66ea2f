package dev.muster.wire;

import java.util.Objects;

/**
 * Bytes from the network that {@link WireCodec} refuses to decode. The message names what was
 * wrong and where; {@link #reason()} sorts the failure for metrics and for the transport's
 * decision (a datagram is dropped, a stream is closed).
 *
 * <p>Immutable, so it is safe to hand to another thread.
 */
public final class WireException extends Exception {

    /** Why the bytes were refused. */
    public enum Reason {
        /** The protocol version byte is not {@link WireCodec#PROTOCOL_VERSION}. */
        VERSION,
        /** The data ends before the framing says it should: a header, a varint or a declared length is cut. */
        TRUNCATED,
        /**
         * The framing holds but the content is wrong: a body that is not valid protobuf, a required
         * field that is missing or out of range, bytes after the last message of a packet.
         */
        MALFORMED,
        /** A stream frame, or a packet kind, with a type id this node does not know. */
        UNKNOWN_TYPE,
        /** A declared or actual size above a limit ({@link WireCodec#maxMessageBytes()}, {@link WireCodec#MAX_PACKET_BYTES}). */
        OVERSIZED
    }

    private final Reason reason;

    WireException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    WireException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why the bytes were refused. */
    public Reason reason() {
        return reason;
    }
}
