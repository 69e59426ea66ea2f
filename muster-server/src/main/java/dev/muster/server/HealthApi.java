package dev.muster.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Cluster;
import dev.muster.ClusterInfo;
import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.balance.NodeLoad;
import dev.muster.control.ClusterHealth;
import dev.muster.control.ControlPlane;
import dev.muster.control.ControlState;
import io.helidon.webserver.http.HttpRouting;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /api/cluster/health}: is the cluster well, as this node sees it, and if not, why.
 *
 * <pre>
 * {"status": "healthy" | "degraded" | "unhealthy",
 *  "reasons": ["node-3 is dead", ...],
 *  "formed": true, "members": {"alive": 4, "suspect": 0, "dead": 1, "joining": 0, "leaving": 0, "left": 0},
 *  "leader": "node-1", "term": 3, "quorum": true, "replicas": ["node-1", "node-2", "node-3"], "alive_replicas": 3,
 *  "local": {"name": "node-2", "state": "alive", "awareness": 0},
 *  "hot": [{"node": "node-4", "figure": "memory", "value": 0.97}]}
 * </pre>
 *
 * <ul>
 *   <li><b>unhealthy</b> (answered with 503, so {@code curl -f} and load balancers see it): this
 *       node is not alive in its own view, or the control plane has no leader or no majority of
 *       its replicas alive.
 *   <li><b>degraded</b> (200): some member is suspect or dead, a replica is down, this node's local
 *       health score (Lifeguard's awareness) is above 0, or a live node reports CPU, memory or disk
 *       at or above {@link #HOT} of its capacity, or all its agent slots taken.
 *   <li><b>healthy</b> (200): none of these.
 * </ul>
 *
 * Members that left gracefully are not a problem. Without a control plane, the leader fields are
 * null and only membership counts. Thread-safe: no state of its own.
 */
final class HealthApi {

    /** A figure at or above this share of its capacity makes a node hot. */
    static final double HOT = 0.9;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Cluster cluster;
    private final ControlPlane control;

    HealthApi(Cluster cluster, ControlPlane control) {
        this.cluster = cluster;
        this.control = control;
    }

    void routes(HttpRouting.Builder r) {
        r.get("/api/cluster/health", (req, res) -> {
            try {
                ObjectNode report = health();
                NodeServer.answer(res, httpStatus(report), () -> report);
            } catch (IllegalStateException closed) {
                NodeServer.answer(res, () -> {
                    throw closed; // answered as 503, node stopped
                });
            }
        });
    }

    /** The report; its {@code status} decides the HTTP status ({@link #httpStatus}). */
    ObjectNode health() {
        ClusterInfo info = cluster.info();
        List<String> reasons = new ArrayList<>();
        boolean unhealthy = false;
        Map<MemberState, Integer> counts = new EnumMap<>(MemberState.class);
        for (MemberState s : MemberState.values()) {
            counts.put(s, 0);
        }
        ArrayNode hot = JSON.createArrayNode();
        ControlState state = control == null ? ControlState.INITIAL : control.state();
        for (Member m : info.members()) {
            counts.merge(m.state(), 1, Integer::sum);
            if (m.state() == MemberState.SUSPECT || m.state() == MemberState.DEAD) {
                reasons.add(m.name() + " is " + m.state().jsonName());
            }
            if (m.state() == MemberState.ALIVE) {
                hot(hot, reasons, m, state);
            }
        }
        MemberState self = info.self().state();
        if (self != MemberState.ALIVE) {
            unhealthy = true;
            reasons.add(0, "this node (" + info.self().name() + ") is " + self.jsonName());
        }
        int awareness = cluster.membershipStats().awarenessScore();
        if (awareness > 0) {
            reasons.add("this node's local health score is " + awareness + " (it missed acks or was suspected lately;"
                    + " its probes are slowed down)");
        }
        ObjectNode n = JSON.createObjectNode();
        ClusterHealth h = control == null ? null : control.health();
        if (h != null) {
            if (h.leader().isEmpty()) {
                unhealthy = true;
                reasons.add(0, "the control plane has no leader: cluster state cannot change");
            } else if (!h.healthy()) {
                unhealthy = true;
                reasons.add(0, "only " + h.aliveReplicas() + " of " + h.replicas().size()
                        + " replicas are alive: no majority");
            } else if (h.aliveReplicas() < h.replicas().size()) {
                reasons.add((h.replicas().size() - h.aliveReplicas()) + " of " + h.replicas().size()
                        + " replicas are down");
            }
        }
        n.put("status", status(unhealthy, reasons));
        n.set("reasons", strings(reasons));
        n.put("formed", info.formed());
        members(n.putObject("members"), counts);
        ControlApi.putLeader(n, h == null ? null : h.leader().orElse(null));
        if (h == null) {
            n.putNull("quorum");
            n.putArray("replicas");
            n.putNull("alive_replicas");
        } else {
            n.put("quorum", h.healthy());
            n.set("replicas", strings(h.replicas()));
            n.put("alive_replicas", h.aliveReplicas());
        }
        n.putObject("local").put("name", info.self().name()).put("state", self.jsonName()).put("awareness", awareness);
        n.set("hot", hot);
        return n;
    }

    /** 503 for an unhealthy report, 200 otherwise. */
    static int httpStatus(ObjectNode report) {
        return report.path("status").asText().equals("unhealthy") ? 503 : 200;
    }

    private static String status(boolean unhealthy, List<String> reasons) {
        return unhealthy ? "unhealthy" : reasons.isEmpty() ? "healthy" : "degraded";
    }

    private static void hot(ArrayNode hot, List<String> reasons, Member m, ControlState state) {
        NodeLoad load = NodeLoad.fromMetadata(m.metadata());
        double[] values = {load.cpu(), load.memory(), load.disk()};
        String[] figures = {"cpu", "memory", "disk"};
        for (int i = 0; i < values.length; i++) {
            if (values[i] >= HOT) {
                hot.addObject().put("node", m.name()).put("figure", figures[i]).put("value", values[i]);
                reasons.add(m.name() + " reports " + figures[i] + " at "
                        + String.format(Locale.ROOT, "%.0f%%", values[i] * 100));
            }
        }
        int max = load.maxAgents();
        if (max > 0 && state.agentsOn(m.name()) >= max) {
            hot.addObject().put("node", m.name()).put("figure", "agents").put("value", state.agentsOn(m.name()));
            reasons.add(m.name() + " has all " + max + " agent slots taken");
        }
    }

    private static void members(ObjectNode n, Map<MemberState, Integer> counts) {
        counts.forEach((s, c) -> n.put(s.jsonName(), c));
    }

    private static ArrayNode strings(List<String> items) {
        ArrayNode a = JSON.createArrayNode();
        items.forEach(a::add);
        return a;
    }
}
