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

    /** Removes {@code agent}'s placement. */
    record Unassign(String agent) implements Mutation {
        public Unassign {
            Names.check("agent", agent);
        }
    }
}
