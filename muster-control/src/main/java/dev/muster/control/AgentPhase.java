package dev.muster.control;

import java.util.Locale;

/** Where an agent is in its life, as the replicated state records it. */
public enum AgentPhase {
    /** Submitted, or orphaned with no node able to take it: waits for capacity. */
    PENDING,
    /** Placed on a node whose runtime has not yet reported it running. */
    ASSIGNED,
    /** Its node's runtime reported it started. */
    RUNNING,
    /** Its node's runtime could not start it, or it ended by itself; it stays there, visible. */
    FAILED,
    /** Asked to move: its node stops it with a snapshot and hands it to the target. */
    MIGRATING;

    /** The name in JSON and the CLI. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The phase of that name. @throws IllegalArgumentException for any other */
    public static AgentPhase parse(String name) {
        for (AgentPhase p : values()) {
            if (p.jsonName().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("agent phase '" + name + "' is not one of pending, assigned, running, failed,"
                + " migrating");
    }
}
