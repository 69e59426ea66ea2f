package dev.muster.control;

import dev.muster.balance.BalancingStrategy;
import java.util.Objects;

/** A change to the replicated state, written through {@link ControlPlane#write}. */
public sealed interface Mutation {

    /** Switches the balancing strategy. */
    record SetStrategy(BalancingStrategy strategy) implements Mutation {
        public SetStrategy {
            Objects.requireNonNull(strategy, "strategy");
        }
    }

    /** Sets a node's status; {@code node} must be a member the leader knows. */
    record SetNodeStatus(String node, NodeStatus status) implements Mutation {
        public SetNodeStatus {
            Names.check("node", node);
            Objects.requireNonNull(status, "status");
        }
    }

    /** Places {@code agent} on {@code node} (moving it if it was elsewhere). */
    record Assign(String agent, String node) implements Mutation {
        public Assign {
            Names.check("agent", agent);
            Names.check("node", node);
        }
    }

    /** Removes {@code agent} altogether; the runtime of its node stops it once it sees that. */
    record Unassign(String agent) implements Mutation {
        public Unassign {
            Names.check("agent", agent);
        }
    }

    /** Submits a new agent; it stays pending until the coordinator places it. */
    record SubmitAgent(String agent, AgentSpec spec) implements Mutation {
        public SubmitAgent {
            Names.check("agent", agent);
            Objects.requireNonNull(spec, "spec");
        }
    }

    /**
     * The coordinator's placements. Each moves its agent to {@code node} (or back to pending, for
     * an empty node) only while the agent's epoch is still {@code expectedEpoch}; others are skipped.
     */
    record PlaceAgents(java.util.List<Placement> placements) implements Mutation {
        public PlaceAgents {
            placements = java.util.List.copyOf(placements);
        }
    }

    /** One placement of {@link PlaceAgents}. */
    record Placement(String agent, String node, long expectedEpoch) {
        public Placement {
            Names.check("agent", agent);
            if (!node.isEmpty()) {
                Names.check("node", node);
            }
        }
    }

    /** A node's runtime reports on agents placed on it; reports of an old epoch are skipped. */
    record ReportAgents(java.util.List<Report> reports) implements Mutation {
        public ReportAgents {
            reports = java.util.List.copyOf(reports);
        }
    }

    /** One report of {@link ReportAgents}: the agent runs, or failed (with why). */
    record Report(String agent, long epoch, AgentPhase phase, String message) {
        public Report {
            Names.check("agent", agent);
            if (phase != AgentPhase.RUNNING && phase != AgentPhase.FAILED) {
                throw new IllegalArgumentException("a runtime reports running or failed, not " + phase.jsonName());
            }
            message = message == null ? "" : message;
        }
    }

    /** Moves a placed agent to {@code node}: its node stops it with a snapshot and hands it over. */
    record MigrateAgent(String agent, String node) implements Mutation {
        public MigrateAgent {
            Names.check("agent", agent);
            Names.check("node", node);
        }
    }

    /** The migrating agent's old node hands it over with its state; it moves to the target. */
    record HandOff(String agent, long epoch, byte[] snapshot) implements Mutation {
        public HandOff {
            Names.check("agent", agent);
            snapshot = snapshot == null ? new byte[0] : snapshot;
            if (snapshot.length > AgentInfo.MAX_SNAPSHOT_BYTES) {
                throw new IllegalArgumentException("agent " + agent + " snapshot is " + snapshot.length
                        + " bytes; at most " + AgentInfo.MAX_SNAPSHOT_BYTES);
            }
        }
    }
}
