package dev.muster.server;

import dev.muster.Cluster;
import dev.muster.ClusterInfo;
import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.agents.AgentRuntime;
import dev.muster.balance.NodeLoad;
import dev.muster.content.ContentStats;
import dev.muster.control.AgentInfo;
import dev.muster.control.AgentPhase;
import dev.muster.control.ClusterHealth;
import dev.muster.control.ControlPlane;
import dev.muster.control.ControlState;
import dev.muster.control.LeaderInfo;
import dev.muster.control.Role;
import dev.muster.membership.MembershipStats;
import dev.muster.services.ServiceStats;
import dev.muster.transport.TransportStats;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one scrape of {@code /metrics} shows about one node, read once at the scrape's start, so
 * every meter of the scrape reads the same moment and the node is asked once per figure, not once
 * per meter: one hop to the node's loop for {@link Cluster#info()}, one for
 * {@link Cluster#membershipStats()}, the rest are reads of counters and of the control plane's
 * cached copy of the state.
 *
 * <p>Immutable; built on the scraping thread.
 */
final class NodeFigures {

    /** Statuses as the API shows them: an operator's status, or offline while membership shows the node gone. */
    static final List<String> STATUSES = List.of("online", "draining", "standby", "offline");
    /** Phases an agent goes through in a node's runtime ({@link AgentRuntime.LocalAgent#phase()}). */
    static final List<String> LOCAL_PHASES = List.of("starting", "running", "failed", "stopping", "handing-off");

    final ClusterInfo info;
    final NodeLoad load;
    final MembershipStats membership;
    final TransportStats transport;
    final ContentStats content;
    final Map<String, ServiceStats> services;
    private final int[] byState = new int[MemberState.values().length];
    /** Null without a control plane, as the fields that follow. */
    final Control control;
    /** Null without an agent runtime. */
    private final int[] localByPhase;

    /** The control plane's figures. */
    record Control(Optional<LeaderInfo> leader, boolean replica, ClusterHealth health, ControlState state,
                   int[] byRole, int[] byStatus, int[] agentsByPhase) {}

    private NodeFigures(Cluster cluster, ControlPlane control, AgentRuntime runtime) {
        info = cluster.info();
        load = NodeLoad.fromMetadata(info.self().metadata());
        membership = cluster.membershipStats();
        transport = cluster.transportStats();
        content = cluster.content().stats();
        services = cluster.services().stats();
        for (Member m : info.members()) {
            byState[m.state().ordinal()]++;
        }
        this.control = control == null ? null : control(control, info.members());
        if (runtime == null) {
            localByPhase = null;
        } else {
            localByPhase = new int[LOCAL_PHASES.size()];
            for (AgentRuntime.LocalAgent a : runtime.agents()) {
                int i = LOCAL_PHASES.indexOf(a.phase());
                if (i >= 0) {
                    localByPhase[i]++;
                }
            }
        }
    }

    /**
     * Reads the node now.
     *
     * @throws IllegalStateException once the node is closed
     */
    static NodeFigures read(Cluster cluster, ControlPlane control, AgentRuntime runtime) {
        return new NodeFigures(cluster, control, runtime);
    }

    private static Control control(ControlPlane control, List<Member> members) {
        ControlState state = control.state();
        int[] byRole = new int[Role.values().length];
        int[] byStatus = new int[STATUSES.size()];
        for (Member m : members) {
            byRole[control.role(m.name()).ordinal()]++;
            int status = STATUSES.indexOf(m.state().isGone() ? "offline" : state.status(m.name()).jsonName());
            if (status >= 0) { // a status added to NodeStatus but not here is left out, not a failed scrape
                byStatus[status]++;
            }
        }
        int[] byPhase = new int[AgentPhase.values().length];
        for (AgentInfo a : state.agents().values()) {
            byPhase[a.phase().ordinal()]++;
        }
        return new Control(control.leader(), control.isReplica(), control.health(), state, byRole, byStatus, byPhase);
    }

    /** Members this node lists in that state, itself included. */
    int members(MemberState state) {
        return byState[state.ordinal()];
    }

    /** Agents this node's runtime holds in that phase (one of {@link #LOCAL_PHASES}); 0 without a runtime. */
    int localAgents(String phase) {
        return localByPhase == null ? 0 : localByPhase[LOCAL_PHASES.indexOf(phase)];
    }
}
