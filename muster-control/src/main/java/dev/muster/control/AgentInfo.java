package dev.muster.control;

/**
 * One agent in the replicated state: an immutable value.
 *
 * @param id the agent's name, unique in the cluster
 * @param spec what it is; null for a bare placement written with {@link Mutation.Assign}, which
 *     no runtime starts
 * @param node the node it is placed on, or empty while pending
 * @param epoch grows by one with each placement; a node's runtime acts only on the current one
 * @param phase where it is in its life
 * @param message the last report's words (why it failed), or empty
 * @param migrateTo the node a requested migration moves it to, or empty
 * @param snapshot the state it was handed over with in its last migration, or empty
 * @param placedAt the state version at which it got its current node
 */
public record AgentInfo(String id, AgentSpec spec, String node, long epoch, AgentPhase phase, String message,
                        String migrateTo, byte[] snapshot, long placedAt) {

    /** The most bytes of state an agent may hand over in a migration. */
    public static final int MAX_SNAPSHOT_BYTES = 256 * 1024;

    public AgentInfo {
        Names.check("agent", id);
        node = node == null ? "" : node;
        message = message == null ? "" : message;
        migrateTo = migrateTo == null ? "" : migrateTo;
        snapshot = snapshot == null ? new byte[0] : snapshot;
        java.util.Objects.requireNonNull(phase, "phase");
    }

    /** True when it is placed on a node. */
    public boolean placed() {
        return !node.isEmpty();
    }

    /** This agent with another phase and message. */
    AgentInfo withPhase(AgentPhase p, String why) {
        return new AgentInfo(id, spec, node, epoch, p, why, migrateTo, snapshot, placedAt);
    }
}
