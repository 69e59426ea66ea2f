package dev.muster;

import dev.muster.membership.MembershipStats;
import dev.muster.node.Node;
import dev.muster.transport.FaultFilter;
import dev.muster.transport.TransportStats;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One node of a Muster cluster, embedded in this JVM: it binds its gossip port, joins through
 * its seeds, detects failures (SWIM + Lifeguard) and tells who is in the cluster.
 *
 * <pre>{@code
 * try (Cluster node = Cluster.start(ClusterConfig.builder().nodeName("node-2").port(7956)
 *         .seeds(List.of(Address.parse("127.0.0.1:7946"))).build())) {
 *     node.subscribe(e -> System.out.println(e));
 *     node.awaitMembers(3, Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <p>Thread-safe: every method may be called from any thread except a listener's own callback
 * may not block waiting for the cluster (no {@link #awaitMembers} inside a listener). The node
 * runs on a shared event loop and owns no platform threads of its own (with DNS discovery, a
 * refresh every 30 s runs on a short-lived virtual thread); listeners run on the executor given
 * to {@link #start(ClusterConfig, Executor)}, one event at a time, in order, and never on the
 * event loop (an executor that runs tasks in the caller's thread is bypassed for a shared one).
 */
public interface Cluster extends AutoCloseable {

    /**
     * Starts a node and joins the cluster: binds the port, resolves the seeds (static, DNS,
     * multicast), and returns once a seed answered, or at once when there is no seed but itself.
     *
     * @throws ClusterException when the port is taken, no seed answers within the join timeout,
     *     or a live node already holds this node's name; nothing is left running then
     */
    static Cluster start(ClusterConfig config) {
        return Node.start(config, null);
    }

    /** As {@link #start(ClusterConfig)}, with listeners run on {@code listenerExecutor}. */
    static Cluster start(ClusterConfig config, Executor listenerExecutor) {
        return Node.start(config, listenerExecutor);
    }

    /** Every member this node knows, itself included, dead and left ones until they are reaped. */
    List<Member> members();

    /** The member of that name, if this node knows it. */
    Optional<Member> member(String name);

    /** This node as the others see it. */
    Member localMember();

    /** The name of the cluster this node belongs to. */
    String clusterName();

    /** This node's advertised gossip address. */
    Address address();

    /** Publishes new metadata (a new incarnation, gossiped to every member). */
    void updateMetadata(Metadata metadata);

    /**
     * Publishes {@code next} only if this node's metadata still is {@code expected}: for writers
     * that each own some keys (the control plane, the health reporter) and must not overwrite
     * each other's. Read {@code localMember().metadata()}, derive, and retry on false.
     *
     * @return false when the metadata changed since {@code expected} was read; nothing was published
     */
    boolean compareAndSetMetadata(Metadata expected, Metadata next);

    /**
     * Waits until at least {@code n} members (this one included) are alive: the seed's
     * {@code wait_for_cluster}.
     *
     * @return true when they were, false when the timeout passed first
     */
    boolean awaitMembers(int n, Duration timeout) throws InterruptedException;

    /** Who this node is and what it sees. */
    ClusterInfo info();

    /**
     * Calls {@code listener} with every member event from now on (joined, alive, suspect,
     * dead, left, updated), in order, on the listener executor. A listener that throws is
     * logged and the others still run. If listeners fall 100,000 events behind, further events
     * are dropped and a warning is logged.
     */
    Subscription subscribe(Consumer<MemberEvent> listener);

    /**
     * Leaves gracefully: tells the cluster, waits until the news went out or {@code timeout}
     * passed, then closes. The others show this node as {@code left}, not {@code dead}.
     */
    void leave(Duration timeout);

    /**
     * This node's service registry and remote calls: register handlers, resolve and watch
     * instances across the cluster, call them (see {@link dev.muster.services.Services}).
     */
    dev.muster.services.Services services();

    /**
     * This node's content-addressable store and the diffusion that spreads content across the
     * cluster (see {@link dev.muster.content.Content}).
     */
    dev.muster.content.Content content();

    /** Protocol counters. */
    MembershipStats membershipStats();

    /** Transport counters. */
    TransportStats transportStats();

    /**
     * The transport's fault filter, to drop, delay or black-hole traffic with chosen peers.
     *
     * @throws IllegalStateException when the node was started without {@code faults.enabled}
     */
    FaultFilter faults();

    /**
     * Stops the node at once, without leaving: to the others it looks like a crash (its port
     * refuses connections, so they notice quickly). Use {@link #leave} to go gracefully.
     */
    @Override
    void close();
}
