package dev.muster.control;

import dev.muster.balance.BalancingStrategy;
import dev.muster.Cluster;
import dev.muster.Subscription;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The control plane of one node: who leads the cluster, and the replicated state that must
 * never diverge (the balancing strategy, node statuses, agent assignments), kept by a Raft group
 * of replica nodes through Apache Ratis. Every other node is a client of that group.
 *
 * <pre>{@code
 * Cluster node = Cluster.start(config);
 * try (ControlPlane control = ControlPlane.start(node, ControlConfig.builder().dataDir(dir).build())) {
 *     control.awaitLeader(Duration.ofSeconds(30));
 *     control.write(new Mutation.SetStrategy(BalancingStrategy.LEAST_LOADED));
 *     control.onLeaderChanged(e -> System.out.println("leader now " + e.current()));
 * }
 * }</pre>
 *
 * <p>Thread-safe. Writes and linearizable reads block the caller until the leader answers or
 * {@code control.request-timeout} passes; listeners run one event at a time, in order, on a
 * virtual thread, never on a Raft or gossip thread.
 */
public interface ControlPlane extends AutoCloseable {

    /**
     * Starts the control plane on a running node: publishes its Raft endpoint, and, on a
     * replica, starts the Raft server once the first group can form (or at once, recovering its
     * stored log, after a restart). Returns without waiting for a leader.
     *
     * @throws IllegalArgumentException when the config is invalid
     * @throws ControlException when the Raft server cannot start (its port is taken)
     */
    static ControlPlane start(Cluster node, ControlConfig config) {
        return RaftControlPlane.start(node, config);
    }

    /** The leader this node knows, with its term; empty during an election or without quorum. */
    Optional<LeaderInfo> leader();

    /** Waits until a leader is known. @return it, or empty when the timeout passed first */
    Optional<LeaderInfo> awaitLeader(Duration timeout) throws InterruptedException;

    /** Calls {@code listener} each time the known leader changes. */
    Subscription onLeaderChanged(Consumer<LeaderChanged> listener);

    /** The role of the named node as this node sees it. */
    Role role(String node);

    /** True while this node runs a Raft server that is a voter of the group. */
    boolean isReplica();

    /**
     * The replicated state as this node last saw it: a replica's own copy, or on other nodes a
     * copy refreshed from a replica whenever the leader publishes a new version. Cheap; may lag.
     */
    ControlState state();

    /**
     * The state as the leader holds it now (a Raft read index): reflects every write acknowledged
     * before the call.
     *
     * @throws ControlException UNAVAILABLE when no leader answers in time
     */
    ControlState readLinearizable();

    /**
     * Commits a mutation through the leader, with a fresh mutation id.
     *
     * @throws ControlException REJECTED when the mutation is invalid (unknown node, a writer
     *     that is no member) and UNAVAILABLE when no quorum committed it in time; in both cases
     *     nothing changed, except that an UNAVAILABLE write may still commit later
     */
    WriteResult write(Mutation mutation);

    /**
     * Commits a mutation under the caller's id: a retry with the same id is applied once, and
     * answered with the version the first application produced.
     */
    WriteResult write(String mutationId, Mutation mutation);

    /**
     * Asks the leader to hand leadership to the named replica, and waits until it has.
     *
     * @throws ControlException REJECTED when the node is unknown or not a replica, UNAVAILABLE
     *     when the transfer did not complete in time
     */
    LeaderInfo transferLeadership(String node, Duration timeout);

    /** The cluster's agents: submit, list, stop, migrate. */
    default Agents agents() {
        return new Agents(this);
    }

    /** Healthy when a leader exists and a majority of the replicas are alive. */
    ClusterHealth health();

    /** Stops this node's Raft server and client; a replica's stored log stays for a restart. */
    @Override
    void close();
}
