package dev.muster.testkit;

import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.MemberState;
import java.util.Optional;

/** One node of a {@link TestCluster}, and what it sees. */
public interface TestNode {

    /** Its 1-based index. */
    int index();

    /** {@code node-INDEX}. */
    String name();

    /** Its gossip address. */
    Address address();

    /** False after {@link TestCluster#kill} or {@link TestCluster#leave}, until a restart. */
    boolean isUp();

    /** How this node sees {@code member}; empty when it does not know it. */
    Optional<MemberState> stateOf(String member);

    /** How many members this node sees alive, itself included. */
    int alive();

    /** The node itself, in {@code EMBEDDED} mode; empty when simulated or in another process (no Cluster object here). */
    Optional<Cluster> cluster();
}
