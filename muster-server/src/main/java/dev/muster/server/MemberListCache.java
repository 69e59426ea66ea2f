package dev.muster.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muster.Cluster;
import dev.muster.Subscription;
import dev.muster.control.ControlPlane;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The body of the unfiltered {@code GET /api/cluster/nodes}, kept as bytes and built again only
 * when something it shows may have changed: a member event (joined, alive, suspect, dead, left,
 * new metadata such as a health report), a leader change, a new control-state version (node
 * statuses), or {@link #MAX_AGE_NANOS} passing (what no event marks: a dead member's retention
 * running out). A request that finds it current costs no hop onto the node's event loop, no
 * JSON tree and no allocation of its 20-odd KB (docs/benchmarks.md, REST API).
 *
 * <p>Thread-safe: the body and what it was built from are published together in one immutable
 * snapshot; two requests that both find it stale both build it, and either result is current.
 */
final class MemberListCache implements AutoCloseable {

    /** The oldest body served, whatever the events say. */
    static final long MAX_AGE_NANOS = 1_000_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Snapshot(byte[] body, long changes, long version, long builtAtNanos) {}

    private final Cluster cluster;
    private final ControlPlane control;
    private final AtomicLong changes = new AtomicLong();
    private final Subscription members;
    private final Subscription leaders;
    private volatile Snapshot current;

    MemberListCache(Cluster cluster, ControlPlane control) {
        this.cluster = cluster;
        this.control = control;
        this.members = cluster.subscribe(e -> changes.incrementAndGet());
        this.leaders = control == null ? null : control.onLeaderChanged(e -> changes.incrementAndGet());
    }

    /** The member list as {@link NodeServer#nodes} writes it, current as of the last change seen. */
    byte[] body() {
        long now = System.nanoTime();
        long seen = changes.get();
        long version = control == null ? 0 : control.state().version();
        Snapshot s = current;
        if (s != null && s.changes() == seen && s.version() == version && now - s.builtAtNanos() < MAX_AGE_NANOS) {
            return s.body();
        }
        try {
            byte[] body = JSON.writeValueAsBytes(NodeServer.nodes(cluster, control, NodeQuery.ALL));
            current = new Snapshot(body, seen, version, now); // counted before the build: a change during it rebuilds next time
            return body;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the member list", e);
        }
    }

    @Override
    public void close() {
        members.close();
        if (leaders != null) {
            leaders.close();
        }
    }
}
