package dev.muster.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Cluster;
import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.balance.NodeLoad;
import dev.muster.control.AgentPhase;
import dev.muster.control.ControlPlane;
import dev.muster.control.ControlState;
import dev.muster.control.Role;
import io.helidon.webserver.http.HttpRouting;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /api/cluster/stats}: the cluster in numbers, as this node sees it.
 *
 * <pre>
 * {"nodes": 5,
 *  "by_state": {"alive": 4, "dead": 1, ...}, "by_role": {"leader": 1, "replica": 2, "worker": 2},
 *  "by_status": {"online": 4, "offline": 1},
 *  "agents": {"assigned": 12, "total": 14,
 *             "by_phase": {"pending": 2, "assigned": 1, "running": 10, "failed": 1, "migrating": 0}},
 *  "utilisation": {"agents": 12, "max_agents": 160, "cpu_avg": 0.31, "memory_avg": 0.52, "reporting": 4},
 *  "strategy": "round-robin", "version": 17, "leader": "node-1", "term": 3,
 *  "services": {"echo": {"instances": 3, "calls": 40, "errors": 1, "timeouts": 1, "in_flight": 0, "retries": 0,
 *               "bytes_out": 800, "bytes_in": 800, "served": 13, "serve_errors": 0,
 *               "latency_ms": {"count": 40, "mean": 0.4, "p50": 0.3, "p90": 0.6, "p99": 2.0, "max": 2.0}}}}
 * </pre>
 *
 * {@code agents.assigned} counts the placed agents (in any phase but pending), {@code total} all
 * of them, and {@code by_phase} each phase, every phase listed. {@code services} holds this
 * node's own counters ({@code cluster.services().stats()}: the calls it made, the calls its handlers
 * served) for every service it knows of, called or served, with the passing instances it sees.
 * Roles, statuses and agents come from this node's copy of the control state (cheap, may
 * lag a write by a moment); the utilisation sums what the alive nodes report in their metadata,
 * and the averages count only nodes that reported a figure. Without a control plane, roles are
 * all {@code worker}, statuses {@code online} or {@code offline}, and the control fields null.
 * Thread-safe: no state of its own.
 */
final class StatsApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Cluster cluster;
    private final ControlPlane control;

    StatsApi(Cluster cluster, ControlPlane control) {
        this.cluster = cluster;
        this.control = control;
    }

    void routes(HttpRouting.Builder r) {
        r.get("/api/cluster/stats", (req, res) -> NodeServer.answer(res, this::stats));
    }

    ObjectNode stats() {
        List<Member> members = cluster.members();
        ControlState state = control == null ? ControlState.INITIAL : control.state();
        Map<String, Integer> byState = new TreeMap<>();
        Map<String, Integer> byRole = new TreeMap<>();
        Map<String, Integer> byStatus = new TreeMap<>();
        long agents = 0;
        long maxAgents = 0;
        double cpu = 0;
        double memory = 0;
        int cpuCount = 0;
        int memoryCount = 0;
        for (Member m : members) {
            byState.merge(m.state().jsonName(), 1, Integer::sum);
            Role role = control == null ? Role.WORKER : control.role(m.name());
            byRole.merge(role.jsonName(), 1, Integer::sum);
            boolean gone = m.state() == MemberState.DEAD || m.state() == MemberState.LEFT;
            byStatus.merge(gone ? "offline" : state.status(m.name()).jsonName(), 1, Integer::sum);
            if (m.state() != MemberState.ALIVE) {
                continue;
            }
            NodeLoad l = NodeLoad.fromMetadata(m.metadata());
            agents += l.agents();
            maxAgents += l.maxAgents();
            if (l.cpu() >= 0) {
                cpu += l.cpu();
                cpuCount++;
            }
            if (l.memory() >= 0) {
                memory += l.memory();
                memoryCount++;
            }
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("nodes", members.size());
        byState.forEach(n.putObject("by_state")::put);
        byRole.forEach(n.putObject("by_role")::put);
        byStatus.forEach(n.putObject("by_status")::put);
        ObjectNode a = n.putObject("agents");
        a.put("assigned", state.assignments().size());
        a.put("total", state.agents().size());
        Map<AgentPhase, Integer> byPhase = new EnumMap<>(AgentPhase.class);
        state.agents().values().forEach(x -> byPhase.merge(x.phase(), 1, Integer::sum));
        ObjectNode phases = a.putObject("by_phase");
        for (AgentPhase p : AgentPhase.values()) {
            phases.put(p.jsonName(), byPhase.getOrDefault(p, 0));
        }
        ObjectNode u = n.putObject("utilisation");
        u.put("agents", agents);
        u.put("max_agents", maxAgents);
        putAverage(u, "cpu_avg", cpu, cpuCount);
        putAverage(u, "memory_avg", memory, memoryCount);
        u.put("reporting", cpuCount);
        if (control == null) {
            n.putNull("strategy");
            n.putNull("version");
        } else {
            n.put("strategy", state.strategy().jsonName());
            n.put("version", state.version());
        }
        ControlApi.putLeader(n, control == null ? null : control.leader().orElse(null));
        n.set("services", ServicesApi.stats(cluster.services()));
        return n;
    }

    private static void putAverage(ObjectNode n, String key, double sum, int count) {
        if (count == 0) {
            n.putNull(key);
        } else {
            n.put(key, Math.round(sum / count * 1000) / 1000.0);
        }
    }
}
