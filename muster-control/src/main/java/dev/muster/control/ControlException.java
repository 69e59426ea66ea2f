package dev.muster.control;

/** A control-plane operation that did not happen; the state is unchanged by it. */
public final class ControlException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why. */
    public enum Reason {
        /** The request itself is wrong (unknown node, unknown strategy, a writer that is no member). */
        REJECTED,
        /** No leader could commit it in time: no quorum on this side of a partition, or an election. */
        UNAVAILABLE
    }

    private final Reason reason;

    public ControlException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ControlException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
