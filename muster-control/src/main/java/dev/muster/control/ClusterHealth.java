package dev.muster.control;

import java.util.List;
import java.util.Optional;

/**
 * The control plane's health as this node sees it.
 *
 * @param healthy true when a leader is known and a majority of the replicas are alive
 * @param leader the leader, if known
 * @param replicas the voters of the Raft group (as the leader last published them)
 * @param aliveReplicas how many of them membership shows alive
 */
public record ClusterHealth(boolean healthy, Optional<LeaderInfo> leader, List<String> replicas, int aliveReplicas) {
    public ClusterHealth {
        replicas = List.copyOf(replicas);
    }
}
