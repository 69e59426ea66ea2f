package dev.muster.testkit;

import dev.muster.Address;
import dev.muster.MemberEvent;
import dev.muster.MemberState;
import java.time.Duration;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * A cluster of nodes {@code node-1 .. node-n} that the shared scenario suite and {@link TestCluster}
 * drive: on the simulator (virtual time) or on real loopback sockets (wall time). Indexes are 0-based.
 * The low-level face: tests use {@link TestCluster}; the scenario suite needs the extra cuts and
 * injections. Not thread-safe.
 */
public interface ClusterDriver extends AutoCloseable {

    /** Who observed what. */
    interface Listener {
        void event(int observer, MemberEvent event);
    }

    /** Starts {@code n} nodes; the first three are the seeds. */
    void start(int n) throws Exception;

    /** Lets time pass until {@code condition} holds or {@code within} passed; true if it held. */
    boolean await(Duration within, BooleanSupplier condition);

    /** Lets {@code duration} pass. */
    void pass(Duration duration);

    int size();

    String name(int i);

    Address address(int i);

    boolean isUp(int i);

    /** The state of {@code member} as node {@code observer} sees it; null when it does not know it. */
    MemberState stateSeenBy(int observer, String member);

    int aliveSeenBy(int observer);

    /** The member list as node {@code observer} sees it. */
    java.util.List<dev.muster.Member> membersSeenBy(int observer);

    int incarnation(int i);

    boolean hasLeft(int i);

    void crash(int i);

    void leave(int i);

    /** Starts a crashed node again under its name, at its old address or a new one. */
    void restart(int i, boolean newAddress) throws Exception;

    /** Cuts every link between {@code side} and the rest, both ways. */
    void partition(Set<Integer> side);

    void heal();

    /** Node {@code from} cannot reach node {@code to} directly. */
    void block(int from, int to);

    /** Delivers a suspicion of {@code member} at {@code incarnation} to node {@code to}, as if {@code by} sent it. */
    void injectSuspect(int to, String member, int incarnation, String by) throws Exception;

    void addListener(Listener listener);

    /** How long the dead stay listed before they become tombstones. */
    Duration deadMemberRetention();

    /** The push-pull interval: the repair period after a heal. */
    Duration pushPullInterval();

    /** Node {@code i} itself, when it runs in this JVM as a {@link dev.muster.Cluster}. */
    default java.util.Optional<dev.muster.Cluster> cluster(int i) {
        return java.util.Optional.empty();
    }

    /** The time this driver counts in: virtual for the simulator, wall-clock otherwise. */
    long nowNanos();

    /** What a failure report should add about where the nodes run (processes, ports); empty by default. */
    default String details() {
        return "";
    }

    /** Multiplies every "within" of the suite: real sockets on a shared host get more room. */
    double slack();

    @Override
    void close();
}
