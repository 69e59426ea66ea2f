package dev.muster.control;

import com.google.protobuf.ByteString;
import dev.muster.balance.BalancingStrategy;
import dev.muster.control.proto.AgentRecord;
import dev.muster.control.proto.AgentReport;
import dev.muster.control.proto.Command;
import dev.muster.control.proto.Placement;
import dev.muster.control.proto.State;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The deterministic part of the state machine: a command applied to a state gives the next
 * state, reading nothing else (the command's origin is in the log). Pure; every replica gets
 * the same answer. Also converts states to and from their protobuf form.
 */
final class Transitions {

    private Transitions() {}

    /**
     * The state after {@code c}; {@code s} itself when the command changed nothing (placements
     * and reports that were all stale).
     *
     * @throws IllegalArgumentException when the command is refused; the state stays {@code s}
     */
    static ControlState apply(ControlState s, Command c) {
        long next = s.version() + 1;
        return switch (c.getOpCase()) {
            case SET_STRATEGY -> new ControlState(BalancingStrategy.parse(c.getSetStrategy().getStrategy()),
                    s.statuses(), s.agents(), next);
            case SET_NODE_STATUS -> {
                Map<String, NodeStatus> statuses = new TreeMap<>(s.statuses());
                NodeStatus status = NodeStatus.parse(c.getSetNodeStatus().getStatus());
                String node = Names.check("node", c.getSetNodeStatus().getNode());
                if (status == NodeStatus.ONLINE) {
                    statuses.remove(node);
                } else {
                    statuses.put(node, status);
                }
                yield new ControlState(s.strategy(), statuses, s.agents(), next);
            }
            case ASSIGN -> {
                String id = Names.check("agent", c.getAssign().getAgent());
                String node = Names.check("node", c.getAssign().getNode());
                AgentInfo old = s.agents().get(id);
                Map<String, AgentInfo> a = new TreeMap<>(s.agents());
                a.put(id, old == null
                        ? new AgentInfo(id, null, node, 1, AgentPhase.ASSIGNED, "", "", null, next)
                        : new AgentInfo(id, old.spec(), node, old.epoch() + 1, AgentPhase.ASSIGNED, "", "",
                                old.snapshot(), next));
                yield s.withAgents(a);
            }
            case UNASSIGN -> {
                Map<String, AgentInfo> a = new TreeMap<>(s.agents());
                a.remove(Names.check("agent", c.getUnassign().getAgent()));
                yield s.withAgents(a);
            }
            case SUBMIT_AGENT -> {
                String id = Names.check("agent", c.getSubmitAgent().getAgent());
                AgentInfo old = s.agents().get(id);
                if (old != null) {
                    throw new IllegalArgumentException("agent '" + id + "' exists ("
                            + (old.placed() ? "on " + old.node() + ", " : "") + old.phase().jsonName()
                            + "); stop it first or choose another id");
                }
                Map<String, AgentInfo> a = new TreeMap<>(s.agents());
                a.put(id, new AgentInfo(id, spec(c.getSubmitAgent().getSpec()), "", 0, AgentPhase.PENDING, "", "",
                        null, next));
                yield s.withAgents(a);
            }
            case PLACE_AGENTS -> {
                Map<String, AgentInfo> a = null;
                for (Placement p : c.getPlaceAgents().getPlacementsList()) {
                    AgentInfo old = (a == null ? s.agents() : a).get(p.getAgent());
                    if (old == null || old.epoch() != p.getExpectedEpoch()) {
                        continue; // decided on an older state: someone else moved it since
                    }
                    if (a == null) {
                        a = new TreeMap<>(s.agents());
                    }
                    String node = p.getNode();
                    a.put(old.id(), new AgentInfo(old.id(), old.spec(), node, old.epoch() + 1,
                            node.isEmpty() ? AgentPhase.PENDING : AgentPhase.ASSIGNED, "", "", old.snapshot(), next));
                }
                yield a == null ? s : s.withAgents(a);
            }
            case REPORT_AGENTS -> {
                Map<String, AgentInfo> a = null;
                for (AgentReport r : c.getReportAgents().getReportsList()) {
                    AgentInfo old = (a == null ? s.agents() : a).get(r.getAgent());
                    AgentPhase phase = AgentPhase.parse(r.getPhase());
                    if (old == null || !old.node().equals(c.getOrigin()) || old.epoch() != r.getEpoch()
                            || old.phase() == phase && old.message().equals(r.getMessage())
                            || old.phase() == AgentPhase.MIGRATING && phase == AgentPhase.RUNNING) {
                        continue;
                    }
                    if (a == null) {
                        a = new TreeMap<>(s.agents());
                    }
                    a.put(old.id(), old.withPhase(phase, r.getMessage()));
                }
                yield a == null ? s : s.withAgents(a);
            }
            case MIGRATE_AGENT -> {
                String id = c.getMigrateAgent().getAgent();
                String to = Names.check("node", c.getMigrateAgent().getNode());
                AgentInfo old = s.agents().get(id);
                if (old == null) {
                    throw new IllegalArgumentException("no agent '" + id + "'");
                }
                if (old.spec() == null || !old.placed()) {
                    throw new IllegalArgumentException("agent '" + id + "' is " + old.phase().jsonName()
                            + "; only a placed agent with a runtime migrates");
                }
                if (old.node().equals(to)) {
                    throw new IllegalArgumentException("agent '" + id + "' is on " + to + " already");
                }
                if (s.status(to) != NodeStatus.ONLINE) {
                    throw new IllegalArgumentException("node " + to + " is " + s.status(to).jsonName()
                            + " and takes no agents");
                }
                Map<String, AgentInfo> a = new TreeMap<>(s.agents());
                a.put(id, new AgentInfo(id, old.spec(), old.node(), old.epoch(), AgentPhase.MIGRATING, "", to,
                        old.snapshot(), old.placedAt()));
                yield s.withAgents(a);
            }
            case HAND_OFF -> {
                String id = c.getHandOff().getAgent();
                AgentInfo old = s.agents().get(id);
                if (old == null || !old.node().equals(c.getOrigin()) || old.epoch() != c.getHandOff().getEpoch()
                        || old.migrateTo().isEmpty()) {
                    throw new IllegalArgumentException("stale hand-off of agent '" + id + "' by " + c.getOrigin());
                }
                Map<String, AgentInfo> a = new TreeMap<>(s.agents());
                a.put(id, new AgentInfo(id, old.spec(), old.migrateTo(), old.epoch() + 1, AgentPhase.ASSIGNED, "", "",
                        c.getHandOff().getSnapshot().toByteArray(), next));
                yield s.withAgents(a);
            }
            case REFUSED -> throw new IllegalArgumentException(c.getRefused().getReason());
            case OP_NOT_SET -> throw new IllegalArgumentException("the command names no operation");
        };
    }

    static AgentSpec spec(dev.muster.control.proto.AgentSpec p) {
        return new AgentSpec(p.getType(), p.getService().isEmpty() ? null : p.getService(), p.getArgsList());
    }

    static dev.muster.control.proto.AgentSpec toProto(AgentSpec s) {
        return dev.muster.control.proto.AgentSpec.newBuilder().setType(s.type())
                .setService(s.service() == null ? "" : s.service()).addAllArgs(s.args()).build();
    }

    static State toProto(ControlState s) {
        State.Builder b = State.newBuilder().setStrategy(s.strategy().jsonName()).setVersion(s.version());
        s.statuses().forEach((node, status) -> b.putStatuses(node, status.jsonName()));
        s.agents().forEach((id, a) -> {
            AgentRecord.Builder r = AgentRecord.newBuilder().setNode(a.node()).setEpoch(a.epoch())
                    .setPhase(a.phase().jsonName()).setMessage(a.message()).setMigrateTo(a.migrateTo())
                    .setSnapshot(ByteString.copyFrom(a.snapshot())).setPlacedAt(a.placedAt());
            if (a.spec() != null) {
                r.setSpec(toProto(a.spec()));
            }
            b.putAgents(id, r.build());
        });
        return b.build();
    }

    static ControlState fromProto(State s) {
        Map<String, NodeStatus> statuses = new TreeMap<>();
        s.getStatusesMap().forEach((node, status) -> statuses.put(node, NodeStatus.parse(status)));
        Map<String, AgentInfo> agents = new TreeMap<>();
        s.getAssignmentsMap().forEach((id, node) ->
                agents.put(id, new AgentInfo(id, null, node, 1, AgentPhase.ASSIGNED, "", "", null, 0)));
        s.getAgentsMap().forEach((id, r) -> agents.put(id, new AgentInfo(id, r.hasSpec() ? spec(r.getSpec()) : null,
                r.getNode(), r.getEpoch(), AgentPhase.parse(r.getPhase()), r.getMessage(), r.getMigrateTo(),
                r.getSnapshot().toByteArray(), r.getPlacedAt())));
        return new ControlState(BalancingStrategy.parse(s.getStrategy()), statuses, agents, s.getVersion());
    }

    /** The protobuf form of a mutation, under a mutation id and writer. */
    static Command command(String mutationId, String origin, Mutation mutation) {
        Command.Builder b = Command.newBuilder().setMutationId(mutationId).setOrigin(origin);
        switch (mutation) {
            case Mutation.SetStrategy s -> b.getSetStrategyBuilder().setStrategy(s.strategy().jsonName());
            case Mutation.SetNodeStatus s -> b.getSetNodeStatusBuilder().setNode(s.node()).setStatus(s.status().jsonName());
            case Mutation.Assign a -> b.getAssignBuilder().setAgent(a.agent()).setNode(a.node());
            case Mutation.Unassign u -> b.getUnassignBuilder().setAgent(u.agent());
            case Mutation.SubmitAgent s -> b.getSubmitAgentBuilder().setAgent(s.agent()).setSpec(toProto(s.spec()));
            case Mutation.PlaceAgents p -> {
                List<Placement> ps = p.placements().stream().map(x -> Placement.newBuilder().setAgent(x.agent())
                        .setNode(x.node()).setExpectedEpoch(x.expectedEpoch()).build()).toList();
                b.getPlaceAgentsBuilder().addAllPlacements(ps);
            }
            case Mutation.ReportAgents r -> {
                List<AgentReport> rs = r.reports().stream().map(x -> AgentReport.newBuilder().setAgent(x.agent())
                        .setEpoch(x.epoch()).setPhase(x.phase().jsonName()).setMessage(x.message()).build()).toList();
                b.getReportAgentsBuilder().addAllReports(rs);
            }
            case Mutation.MigrateAgent m -> b.getMigrateAgentBuilder().setAgent(m.agent()).setNode(m.node());
            case Mutation.HandOff h -> b.getHandOffBuilder().setAgent(h.agent()).setEpoch(h.epoch())
                    .setSnapshot(ByteString.copyFrom(h.snapshot()));
        }
        return b.build();
    }
}
