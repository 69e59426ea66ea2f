package dev.muster.agents;

/**
 * A workload the cluster places on a node: registered by type name with every node's
 * {@link AgentRuntime}, started on the node the coordinator chose, stopped when it is removed or
 * moved. Implementations need not be thread-safe: the runtime calls one method at a time, never
 * on a gossip or Raft thread.
 */
public interface Agent {

    /**
     * Starts the agent and returns once it runs (keep long work on threads of its own). The
     * context carries the state handed over by a migration, if any.
     *
     * @throws Exception when it cannot start: the agent is reported failed, with the message
     */
    void start(AgentContext context) throws Exception;

    /** Stops the agent and releases what it holds. */
    void stop() throws Exception;

    /**
     * The agent's state, taken just before a migration stops it; the new node starts it with
     * these bytes ({@link AgentContext#restored()}). At most 256 KiB. Empty by default.
     */
    default byte[] snapshot() throws Exception {
        return new byte[0];
    }
}
