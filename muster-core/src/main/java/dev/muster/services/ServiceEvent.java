package dev.muster.services;

/**
 * A change in a watched service's instances, as this node sees them.
 *
 * @param kind what happened
 * @param instance the instance that came, went or changed (its new form for {@code CHANGED})
 */
public record ServiceEvent(Kind kind, ServiceInstance instance) {

    public enum Kind {
        /** An instance became callable: registered, recovered, or its node joined. */
        ADDED,
        /** An instance went: unregistered, failing, or its node died or left. */
        REMOVED,
        /** A callable instance's metadata changed. */
        CHANGED
    }
}
