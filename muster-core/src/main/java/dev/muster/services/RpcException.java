package dev.muster.services;

/**
 * Why a call failed. The message names the service, the node and the reason; {@link #kind()}
 * tells the caller what to do about it.
 */
public class RpcException extends RuntimeException {

    public enum Kind {
        /** The deadline passed before a reply came. */
        TIMEOUT,
        /** No instance could take the call: none registered, its node is dead, the connection failed or closed. */
        UNAVAILABLE,
        /** Too many calls in flight on the connection (back-pressure); try later or slow down. */
        OVERLOADED,
        /** The request or reply is larger than {@code rpc.max-message-bytes}. */
        TOO_LARGE,
        /** The handler threw; the message carries its exception's class and message. */
        REMOTE,
        /** The payload could not be encoded or decoded with the codec. */
        CODEC,
        /** This node is closed. */
        CLOSED
    }

    private final Kind kind;

    public RpcException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public RpcException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** True when trying another instance may help: the call did not reach a handler. */
    public boolean retryable() {
        return kind == Kind.UNAVAILABLE || kind == Kind.OVERLOADED;
    }
}
