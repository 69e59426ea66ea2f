package dev.muster.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Cluster;
import dev.muster.balance.BalancingStrategy;
import dev.muster.control.ClusterHealth;
import dev.muster.control.ControlException;
import dev.muster.control.ControlPlane;
import dev.muster.control.ControlState;
import dev.muster.control.LeaderInfo;
import dev.muster.control.Mutation;
import dev.muster.control.NodeStatus;
import dev.muster.control.WriteResult;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import java.time.Duration;
import java.util.Set;

/**
 * The control-plane endpoints: the leader, node statuses and the balancing strategy.
 *
 * <pre>
 * GET  /api/cluster/leader       200 {"leader","term","healthy","replicas","alive_replicas"}
 * POST /api/cluster/leader       {"node":"node-2"}: hand leadership over; 200 {"leader","term"}
 * POST /api/cluster/nodes/{id}   {"status":"draining"|"online"|"standby"}: 200 {"node","status","version"}
 *                                (routed by {@link RegistryApi}, which also takes heartbeats there)
 * GET  /api/cluster/strategy     200 {"strategy","version"} (a linearizable read)
 * POST /api/cluster/strategy     {"strategy":"least-loaded"}: 200 {"strategy","version"}
 * POST /api/cluster/balance      the same, under the name ARCHITECTURE.md gives it
 * </pre>
 *
 * Errors: 400 for a malformed body, a missing field or a bad value; 404 for a node that is no
 * member; 409 for a leadership transfer to a node that is not a replica; 413 for a body over
 * {@link RequestBody#MAX_BYTES}; 503 when no quorum answers in time, or on a node without a
 * control plane. Every check runs before the write, so a bad request changes nothing.
 *
 * <p>Thread-safe: it holds no state of its own; the control plane and the cluster are thread-safe.
 */
final class ControlApi {

    /** How long a leadership transfer may take: an election plus the new leader's first heartbeat, with room. */
    static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(10);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NODE_EXAMPLE = "{\"node\": \"node-2\"}";
    static final String STATUS_EXAMPLE = "{\"status\": \"draining\"} (or online, standby)";
    private static final String STRATEGY_EXAMPLE = "{\"strategy\": \"least-loaded\"}";

    private final Cluster cluster;
    private final ControlPlane control; // null: this node runs without a control plane

    ControlApi(Cluster cluster, ControlPlane control) {
        this.cluster = cluster;
        this.control = control;
    }

    void routes(HttpRouting.Builder r) {
        r.get("/api/cluster/leader", (req, res) -> NodeServer.answer(res, () -> leader()))
                .post("/api/cluster/leader", (req, res) -> NodeServer.answer(res, () -> transfer(req)))
                .get("/api/cluster/strategy", (req, res) -> NodeServer.answer(res, () -> strategy()))
                .post("/api/cluster/strategy", (req, res) -> NodeServer.answer(res, () -> setStrategy(req)))
                .post("/api/cluster/balance", (req, res) -> NodeServer.answer(res, () -> setStrategy(req)));
    }

    private ControlPlane control() {
        return require(control);
    }

    /** {@code control}, or 503 when this node runs without one. */
    static ControlPlane require(ControlPlane control) {
        if (control == null) {
            throw new ApiError(503, "no control plane", "this node runs without a control plane, so it knows no leader"
                    + " and cannot change cluster state; ask a node started by 'muster serve'");
        }
        return control;
    }

    private ObjectNode leader() {
        ClusterHealth h = control().health();
        ObjectNode n = JSON.createObjectNode();
        putLeader(n, h.leader().orElse(null));
        n.put("healthy", h.healthy());
        h.replicas().forEach(n.putArray("replicas")::add);
        n.put("alive_replicas", h.aliveReplicas());
        return n;
    }

    private ObjectNode transfer(ServerRequest req) {
        ControlPlane c = control();
        String node = RequestBody.read(req, Set.of("node"), NODE_EXAMPLE).text("node", NODE_EXAMPLE);
        requireMember(node);
        try {
            return putLeader(JSON.createObjectNode(), c.transferLeadership(node, TRANSFER_TIMEOUT));
        } catch (ControlException e) {
            throw mapped(e, 409, "not a replica");
        }
    }

    /**
     * {@code POST /api/cluster/nodes/{id}} with {"status"}, its body read already (the route is
     * {@link RegistryApi}'s, which tells a status write from a registered node's heartbeat).
     */
    ObjectNode setStatus(String node, RequestBody body) {
        ControlPlane c = control();
        String value = body.text("status", STATUS_EXAMPLE);
        NodeStatus status;
        try {
            status = NodeStatus.parse(value);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        requireMember(node);
        WriteResult w = write(c, new Mutation.SetNodeStatus(node, status));
        ObjectNode n = JSON.createObjectNode();
        n.put("node", node);
        n.put("status", status.jsonName());
        n.put("version", w.version());
        return n;
    }

    private ObjectNode strategy() {
        ControlState s;
        try {
            s = control().readLinearizable();
        } catch (ControlException e) {
            throw mapped(e, 400, "bad request");
        }
        return strategy(s.strategy(), s.version());
    }

    private ObjectNode setStrategy(ServerRequest req) {
        ControlPlane c = control();
        String value = RequestBody.read(req, Set.of("strategy"), STRATEGY_EXAMPLE).text("strategy", STRATEGY_EXAMPLE);
        BalancingStrategy s;
        try {
            s = BalancingStrategy.parse(value);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        return strategy(s, write(c, new Mutation.SetStrategy(s)).version());
    }

    private static ObjectNode strategy(BalancingStrategy s, long version) {
        ObjectNode n = JSON.createObjectNode();
        n.put("strategy", s.jsonName());
        n.put("version", version);
        return n;
    }

    /** 404 unless {@code node} is a member this node knows (in any state). */
    private void requireMember(String node) {
        if (cluster.member(node).isEmpty()) {
            throw new ApiError(404, "unknown node", "no member named '" + node + "'; GET /api/cluster/nodes lists them");
        }
    }

    private static WriteResult write(ControlPlane c, Mutation m) {
        try {
            return c.write(m);
        } catch (ControlException e) {
            throw mapped(e, 400, "bad request");
        }
    }

    /**
     * The answer to a control-plane error: 503 when unavailable; when rejected, 404 for a node
     * that is no member, else {@code rejectedStatus}.
     */
    static ApiError mapped(ControlException e, int rejectedStatus, String rejectedError) {
        if (e.reason() == ControlException.Reason.UNAVAILABLE) {
            return new ApiError(503, "unavailable", e.getMessage());
        }
        String m = String.valueOf(e.getMessage());
        if (m.startsWith("no member named")) {
            return new ApiError(404, "unknown node", m);
        }
        if (m.contains("name '") && m.contains("must be 1 to 128")) {
            return ApiError.badRequest(m);
        }
        return new ApiError(rejectedStatus, rejectedError, m);
    }

    static ObjectNode putLeader(ObjectNode n, LeaderInfo leader) {
        if (leader == null) {
            n.putNull("leader");
            n.putNull("term");
        } else {
            n.put("leader", leader.name());
            n.put("term", leader.term());
        }
        return n;
    }
}
