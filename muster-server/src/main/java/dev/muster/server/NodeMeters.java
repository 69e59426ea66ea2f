package dev.muster.server;

import dev.muster.MemberState;
import dev.muster.balance.BalancingStrategy;
import dev.muster.control.AgentPhase;
import dev.muster.control.Role;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The {@code muster_*} meters of one node (docs/metrics.md lists them), registered once on the
 * node's own registry. None is updated on a hot path: each reads the {@link NodeFigures} of the
 * scrape in progress when the registry is scraped, so a node at rest pays nothing and a scrape
 * costs one read of each figure. Per-service RPC figures are in {@link RpcCollector}; JVM and host
 * figures come from Micrometer's binders in {@link MetricsApi}.
 *
 * <p>Names are {@code muster_<area>_<what>_<unit>}; tags are few and bounded: a member state, role
 * or status, an agent phase, a strategy, a direction or kind. Enum-tagged gauges list every value,
 * 0 included, so a query sees a state appear rather than a series start. Control-plane meters exist
 * only on a node with a control plane, agent-runtime meters only on one with a runtime.
 *
 * <p>Thread-safe: registered in the constructor; the meters' functions run on the scraping thread
 * and read only the figures the scrape published.
 */
final class NodeMeters {

    private final MeterRegistry registry;
    private final Supplier<NodeFigures> figures;

    /**
     * @param leaders the control plane's leader watch, or null without a control plane
     * @param runtime whether the node has an agent runtime
     */
    NodeMeters(MeterRegistry registry, String node, String cluster, Supplier<NodeFigures> figures, LeaderWatch leaders,
               boolean runtime) {
        this.registry = registry;
        this.figures = figures;
        Gauge.builder("muster.node.info", () -> 1).description("1, tagged with this node's name and its cluster's")
                .tags("node", node, "cluster", cluster).register(registry);
        node();
        membership();
        transport();
        content();
        if (leaders != null) {
            control(leaders);
        }
        if (runtime) {
            for (String phase : NodeFigures.LOCAL_PHASES) {
                gauge("muster.node.agents", "agents this node's runtime holds, by phase", null,
                        f -> f.localAgents(phase), "phase", phase);
            }
        }
    }

    private void node() {
        for (MemberState s : MemberState.values()) {
            gauge("muster.members", "members this node lists, itself included, by state", null, f -> f.members(s),
                    "state", s.jsonName());
        }
        gauge("muster.cluster.expected.size", "the expected cluster size (CLUSTER_SIZE); 0 when not set", null,
                f -> f.info.clusterSize());
        gauge("muster.cluster.formed", "1 once the expected size is alive (or, without one, once joined)", null,
                f -> f.info.formed() ? 1 : 0);
        gauge("muster.node.incarnation", "this node's incarnation: it grows with each refutation and metadata update",
                null, f -> f.info.self().incarnation());
        gauge("muster.node.cpu.ratio", "CPU in use as this node publishes it (health reporter); NaN when unknown",
                null, f -> figure(f.load.cpu()));
        gauge("muster.node.memory.ratio", "memory in use as this node publishes it; NaN when unknown", null,
                f -> figure(f.load.memory()));
        gauge("muster.node.disk.ratio", "disk in use under this node's data directory as it publishes it; NaN when"
                + " unknown", null, f -> figure(f.load.disk()));
        gauge("muster.node.load.per.core", "one-minute load average per core as this node publishes it; NaN when"
                + " unknown", null, f -> figure(f.load.load()));
        gauge("muster.node.max.agents", "agents this node accepts at most, as it publishes it", null,
                f -> f.load.maxAgents());
    }

    private void membership() {
        counter("muster.membership.probes", "probes started", f -> f.membership.probes());
        counter("muster.membership.probe.failures", "probes that got no ack, direct or indirect",
                f -> f.membership.probeFailures());
        counter("muster.membership.suspicions", "suspicions of members this node started (its own or gossiped)",
                f -> f.membership.suspicionsStarted());
        counter("muster.membership.refutations", "suspicions about this node that it refuted",
                f -> f.membership.refutations());
        counter("muster.membership.false.positive.refutations", "suspicions of other members that ended with the"
                + " member alive again", f -> f.membership.suspicionsRefuted());
        counter("muster.membership.deaths.declared", "suspicions that timed out here",
                f -> f.membership.deathsDeclared());
        counter("muster.membership.name.conflicts", "alive messages refused: another live member holds the name",
                f -> f.membership.nameConflicts());
        counter("muster.membership.rejected.messages", "messages dropped as invalid", f -> f.membership.rejectedMessages());
        counter("muster.membership.stale.rumours.corrected", "stale suspicions or deaths answered with the current"
                + " alive message", f -> f.membership.staleRumoursCorrected());
        counter("muster.membership.broadcasts.dropped", "gossip entries dropped because the queue was full",
                f -> f.membership.broadcastsDropped());
        gauge("muster.membership.awareness.score", "the local health score (Lifeguard): 0 is healthy", null,
                f -> f.membership.awarenessScore());
        String gossip = "membership facts (alive, suspect, dead) sent from the broadcast queue or received";
        counter("muster.gossip.messages", gossip, f -> f.membership.gossipSent(), "direction", "sent");
        counter("muster.gossip.messages", gossip, f -> f.membership.gossipReceived(), "direction", "received");
        String pushPull = "push-pull state syncs: requests sent, requests answered, replies received";
        counter("muster.push.pull", pushPull, f -> f.membership.pushPullsSent(), "kind", "sent");
        counter("muster.push.pull", pushPull, f -> f.membership.pushPullsAnswered(), "kind", "answered");
        counter("muster.push.pull", pushPull, f -> f.membership.pushPullRepliesReceived(), "kind", "completed");
    }

    private void transport() {
        inOut("muster.transport.packets", "datagrams", null, f -> f.transport.packetsIn(), f -> f.transport.packetsOut());
        inOut("muster.transport.bytes", "datagram and stream bytes", "bytes", f -> f.transport.bytesIn(),
                f -> f.transport.bytesOut());
        inOut("muster.transport.frames", "stream frames", null, f -> f.transport.framesIn(), f -> f.transport.framesOut());
        gauge("muster.transport.connections.open", "stream connections open now, in and out", null,
                f -> f.transport.connectionsOpen());
        counter("muster.transport.decode.errors", "datagrams and frames dropped as malformed, oversized or foreign",
                f -> f.transport.decodeErrors());
        counter("muster.transport.refused.connects", "stream connections the peer's host refused",
                f -> f.transport.refusedConnects());
        counter("muster.transport.dropped.sends", "packets and frames not sent: no connection, a full queue, an error",
                f -> f.transport.droppedSends());
        counter("muster.transport.fault.drops", "packets and frames the fault filter dropped, both directions",
                f -> f.transport.faultDrops());
    }

    private void inOut(String name, String what, String unit, ToDoubleFunction<NodeFigures> in,
                       ToDoubleFunction<NodeFigures> out) {
        FunctionCounter.builder(name, this, m -> m.read(in)).description(what + " received and sent").baseUnit(unit)
                .tags("direction", "in").register(registry);
        FunctionCounter.builder(name, this, m -> m.read(out)).description(what + " received and sent").baseUnit(unit)
                .tags("direction", "out").register(registry);
    }

    private void content() {
        gauge("muster.content.entries", "pieces of content this node's store holds", null, f -> f.content.entries());
        gauge("muster.content.bytes", "their total size", "bytes", f -> f.content.bytes());
        gauge("muster.content.budget.bytes", "the most the store keeps before evicting", "bytes",
                f -> f.content.budgetBytes());
        counter("muster.content.duplicates", "offers of content already held", f -> f.content.duplicates());
        counter("muster.content.evictions", "entries evicted to stay within the budget", f -> f.content.evictions());
        String pushes = "diffusion messages sent and received";
        counter("muster.content.pushes", pushes, f -> f.content.pushesSent(), "direction", "sent");
        counter("muster.content.pushes", pushes, f -> f.content.pushesReceived(), "direction", "received");
        counter("muster.content.refused", "content refused: too large, a wrong digest, or no room",
                f -> f.content.refused());
    }

    private void control(LeaderWatch leaders) {
        Gauge.builder("muster.control.leader.term", leaders, LeaderWatch::term)
                .description("the Raft term of the latest leader this node saw; it stays through an election")
                .strongReference(true).register(registry);
        FunctionCounter.builder("muster.control.leader.changes", leaders, LeaderWatch::changes)
                .description("new leaders this node saw (another name or a later term), the first one included")
                .register(registry);
        gauge("muster.control.leader.known", "1 while this node knows a leader", null,
                f -> f.control.leader().isPresent() ? 1 : 0);
        gauge("muster.control.leader", "1 while this node is the leader", null,
                f -> f.control.leader().filter(l -> l.name().equals(f.info.self().name())).isPresent() ? 1 : 0);
        gauge("muster.control.replica", "1 while this node runs a voting Raft server", null,
                f -> f.control.replica() ? 1 : 0);
        gauge("muster.control.healthy", "1 when a leader is known and a majority of the replicas is alive", null,
                f -> f.control.health().healthy() ? 1 : 0);
        gauge("muster.control.replicas", "voters of the Raft group, as the leader last published them", null,
                f -> f.control.health().replicas().size());
        gauge("muster.control.replicas.alive", "how many of them membership shows alive", null,
                f -> f.control.health().aliveReplicas());
        gauge("muster.control.state.version", "the version of this node's copy of the replicated state", null,
                f -> f.control.state().version());
        for (BalancingStrategy s : BalancingStrategy.values()) {
            gauge("muster.control.strategy", "1 for the balancing strategy in force, 0 for the others", null,
                    f -> f.control.state().strategy() == s ? 1 : 0, "strategy", s.jsonName());
        }
        for (Role r : Role.values()) {
            gauge("muster.member.roles", "members by their part in the control plane", null,
                    f -> f.control.byRole()[r.ordinal()], "role", r.jsonName());
        }
        for (int i = 0; i < NodeFigures.STATUSES.size(); i++) {
            int index = i;
            gauge("muster.member.statuses", "members by operator status, offline while dead or left", null,
                    f -> f.control.byStatus()[index], "status", NodeFigures.STATUSES.get(i));
        }
        for (AgentPhase p : AgentPhase.values()) {
            gauge("muster.agents", "the cluster's agents by phase, as this node's copy of the state shows", null,
                    f -> f.control.agentsByPhase()[p.ordinal()], "phase", p.jsonName());
        }
        gauge("muster.assignments", "agents placed on a node (any phase but pending)", null,
                f -> f.control.state().assignments().size());
    }

    private static double figure(double v) {
        return v < 0 ? Double.NaN : v;
    }

    private double read(ToDoubleFunction<NodeFigures> f) {
        NodeFigures now = figures.get();
        return now == null ? Double.NaN : f.applyAsDouble(now);
    }

    private void gauge(String name, String help, String unit, ToDoubleFunction<NodeFigures> f, String... tags) {
        Gauge.builder(name, this, m -> m.read(f)).description(help).baseUnit(unit).tags(tags).strongReference(true)
                .register(registry);
    }

    private void counter(String name, String help, ToDoubleFunction<NodeFigures> f, String... tags) {
        FunctionCounter.builder(name, this, m -> m.read(f)).description(help).tags(tags).register(registry);
    }
}
