package dev.muster.control;

import dev.muster.balance.BalancingStrategy;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The replicated cluster state at one version: an immutable value.
 *
 * @param strategy the balancing strategy
 * @param statuses node name to the status an operator set (nodes not listed are online)
 * @param assignments agent name to the node it is placed on
 * @param version how many mutations have changed the state; grows by one with each
 */
public record ControlState(BalancingStrategy strategy, Map<String, NodeStatus> statuses,
                           Map<String, String> assignments, long version) {

    /** The state of a new cluster. */
    public static final ControlState INITIAL =
            new ControlState(BalancingStrategy.ROUND_ROBIN, Map.of(), Map.of(), 0);

    public ControlState {
        Objects.requireNonNull(strategy, "strategy");
        statuses = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(statuses));
        assignments = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(assignments));
        if (version < 0) {
            throw new IllegalArgumentException("version (" + version + ") must not be negative");
        }
    }

    /** The status of {@code node}: what an operator set, else online. */
    public NodeStatus status(String node) {
        return statuses.getOrDefault(node, NodeStatus.ONLINE);
    }
}
