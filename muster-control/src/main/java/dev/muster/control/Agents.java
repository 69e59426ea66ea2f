package dev.muster.control;

import java.util.List;
import java.util.Optional;

/**
 * The cluster's agents as a client sees them: submit, list, stop and migrate, through the
 * control plane of any node (the leader's coordinator places them).
 *
 * <pre>{@code
 * Agents agents = control.agents();
 * agents.submit("job-1", AgentSpec.of("command", "sleep", "600").onService("batch"));
 * agents.migrate("job-1", "node-4");
 * agents.stop("job-1");
 * }</pre>
 */
public final class Agents {

    private final ControlPlane control;

    Agents(ControlPlane control) {
        this.control = control;
    }

    /**
     * Submits an agent; it is pending until the coordinator places it (in moments when a node
     * has capacity).
     *
     * @throws ControlException REJECTED when the id exists or the spec is invalid
     */
    public WriteResult submit(String id, AgentSpec spec) {
        return control.write(new Mutation.SubmitAgent(id, spec));
    }

    /** Every agent, as this node last saw the state (cheap; may lag by moments). */
    public List<AgentInfo> list() {
        return List.copyOf(control.state().agents().values());
    }

    /** The agent of that id, as this node last saw it. */
    public Optional<AgentInfo> get(String id) {
        return control.state().agent(id);
    }

    /**
     * Removes the agent; its node stops it once it sees that.
     *
     * @throws ControlException REJECTED when no agent has that id
     */
    public WriteResult stop(String id) {
        Names.check("agent", id);
        if (control.readLinearizable().agent(id).isEmpty()) {
            throw new ControlException(ControlException.Reason.REJECTED, "no agent '" + id + "'");
        }
        return control.write(new Mutation.Unassign(id));
    }

    /**
     * Moves a placed agent to {@code node} with its state: its node snapshots and stops it, and
     * {@code node} starts it with that snapshot.
     *
     * @throws ControlException REJECTED when the agent is not placed, is there already, or the
     *     node is no alive online member
     */
    public WriteResult migrate(String id, String node) {
        return control.write(new Mutation.MigrateAgent(id, node));
    }
}
