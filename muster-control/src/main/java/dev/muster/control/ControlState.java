package dev.muster.control;

import dev.muster.balance.BalancingStrategy;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The replicated cluster state at one version: an immutable value.
 *
 * @param strategy the balancing strategy
 * @param statuses node name to the status an operator set (nodes not listed are online)
 * @param agents agent id to the agent: its spec, node, epoch and phase
 * @param version how many mutations have changed the state; grows by one with each
 */
public record ControlState(BalancingStrategy strategy, Map<String, NodeStatus> statuses,
                           Map<String, AgentInfo> agents, long version) {

    /** The state of a new cluster. */
    public static final ControlState INITIAL =
            new ControlState(BalancingStrategy.ROUND_ROBIN, Map.of(), Map.of(), 0);

    public ControlState {
        Objects.requireNonNull(strategy, "strategy");
        statuses = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(statuses));
        agents = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(agents));
        if (version < 0) {
            throw new IllegalArgumentException("version (" + version + ") must not be negative");
        }
    }

    /** The status of {@code node}: what an operator set, else online. */
    public NodeStatus status(String node) {
        return statuses.getOrDefault(node, NodeStatus.ONLINE);
    }

    /** Agent id to the node it is placed on, for every placed agent. */
    public Map<String, String> assignments() {
        Map<String, String> out = new TreeMap<>();
        agents.forEach((id, a) -> {
            if (a.placed()) {
                out.put(id, a.node());
            }
        });
        return java.util.Collections.unmodifiableMap(out);
    }

    /** The agent of that id. */
    public Optional<AgentInfo> agent(String id) {
        return Optional.ofNullable(agents.get(id));
    }

    /** Agents placed on {@code node} (in any phase but pending). */
    public int agentsOn(String node) {
        int n = 0;
        for (AgentInfo a : agents.values()) {
            if (a.node().equals(node)) {
                n++;
            }
        }
        return n;
    }

    /** This state with other agents and the next version. */
    ControlState withAgents(Map<String, AgentInfo> next) {
        return new ControlState(strategy, statuses, next, version + 1);
    }
}
