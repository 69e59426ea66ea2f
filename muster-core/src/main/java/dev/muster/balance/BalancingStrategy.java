package dev.muster.balance;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How the coordinator picks a node for a new agent. The choice is cluster state: it is written
 * through the control plane, so every node agrees on it, and it can change at run time.
 */
public enum BalancingStrategy {
    /** Each eligible node in turn. */
    ROUND_ROBIN,
    /** The node with the lowest combined CPU, memory and agent load. */
    LEAST_LOADED,
    /** The node running the fewest agents. */
    LEAST_AGENTS,
    /** A node chosen at random. */
    RANDOM,
    /** A node chosen at random, weighted by its capacity. */
    WEIGHTED;

    /** The name in JSON, YAML and the CLI: {@code round-robin}, {@code least-loaded}, ... */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The strategy of that name ({@code least-loaded} or {@code LEAST_LOADED}).
     *
     * @throws IllegalArgumentException naming the value and the strategies that exist
     */
    public static BalancingStrategy parse(String name) {
        if (name != null) {
            String key = name.strip().toUpperCase(Locale.ROOT).replace('-', '_');
            for (BalancingStrategy s : values()) {
                if (s.name().equals(key)) {
                    return s;
                }
            }
        }
        throw new IllegalArgumentException("strategy '" + name + "' does not exist; use one of "
                + Arrays.stream(values()).map(BalancingStrategy::jsonName).collect(Collectors.joining(", ")));
    }
}
