package dev.muster.control;

import java.util.Locale;

/** A node's part in the control plane. */
public enum Role {
    /** The Raft leader: the cluster leader. */
    LEADER,
    /** A Raft voter that is not the leader. */
    REPLICA,
    /** Runs agents; not a voter. */
    WORKER,
    /** Joined, takes no agents until an operator sets it online. */
    STANDBY;

    /** The name in JSON and the CLI. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
