package dev.muster.testkit;

import dev.muster.Member;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A running cluster that a {@link ClusterTest} gets: nodes {@code node-1 .. node-N}, addressed by
 * their 1-based index as the CLI does, with faults on demand.
 *
 * <p>The same test source runs in every {@link ClusterTest.Mode}: {@code EMBEDDED} (nodes in this
 * JVM over real loopback sockets, wall-clock time), {@code PROCESS} (one {@code muster serve}
 * process per node, wall-clock time, what a node sees read through its REST API) or
 * {@code SIMULATED} (the deterministic
 * simulator, virtual time: {@link #await} and {@link #pass} move the clock, so a 30 s wait takes
 * milliseconds and replays exactly from {@link #seed()}). Every fault is written to
 * {@link #faults()}, which a failing test prints with the seed.
 *
 * <p>Not thread-safe: drive it from the test's thread.
 */
public interface TestCluster {

    /** How the cluster runs. */
    ClusterTest.Mode mode();

    /** The seed of a simulated run (replays it exactly); the seed that named an embedded run. */
    long seed();

    /** Nodes started, up or not. */
    int size();

    /** Node {@code index} (1-based). */
    TestNode node(int index);

    /** Every node, in index order. */
    List<TestNode> nodes();

    /** The member list as the first node that is up sees it. */
    List<Member> members();

    /**
     * Waits until every node that is up sees every other node that is up as alive.
     *
     * @throws AssertionError naming who does not see whom, when that does not happen within a
     *     bound scaled to the size (a liveness bound, not a speed target)
     */
    void awaitFormed();

    /** Waits (moves virtual time, when simulated) until {@code condition} holds or {@code within} passed. */
    boolean await(Duration within, BooleanSupplier condition);

    /** Lets {@code duration} pass. */
    void pass(Duration duration);

    /** Crashes node {@code index}: no leave; the others must detect it. */
    void kill(int index);

    /** Node {@code index} leaves gracefully. */
    void leave(int index);

    /** Starts a killed or departed node again under its name and address. */
    void restart(int index);

    /**
     * Cuts the cluster into {@code sides} (1-based indexes): no packet crosses between two sides,
     * both ways. Nodes named on no side form one more side.
     */
    void partition(int[]... sides);

    /** Removes every partition and cut. */
    void heal();

    /** The faults injected so far, in order, one line each ("t+1.2s kill 3"). */
    List<String> faults();
}
