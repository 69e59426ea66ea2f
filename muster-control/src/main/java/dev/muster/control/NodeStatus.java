package dev.muster.control;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A node's operational status as an operator set it through the control plane. A node nobody
 * set is {@link #ONLINE}; one that is dead or left shows as {@code offline} in the API, which is
 * derived from membership and never stored.
 */
public enum NodeStatus {
    /** Takes agents. */
    ONLINE,
    /** Takes no new agents; its agents move away. */
    DRAINING,
    /** Joined, but takes no agents until it is set online again. */
    STANDBY;

    /** The name in JSON and the CLI. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The status of that name.
     *
     * @throws IllegalArgumentException naming the value and the statuses an operator may set
     */
    public static NodeStatus parse(String name) {
        if (name != null) {
            String key = name.strip().toUpperCase(Locale.ROOT);
            for (NodeStatus s : values()) {
                if (s.name().equals(key)) {
                    return s;
                }
            }
        }
        throw new IllegalArgumentException("status '" + name + "' cannot be set; use one of "
                + Arrays.stream(values()).map(NodeStatus::jsonName).collect(Collectors.joining(", ")));
    }
}
