package dev.muster.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Cluster;
import dev.muster.Member;
import dev.muster.MemberEvent;
import dev.muster.MemberState;
import dev.muster.Metadata;
import dev.muster.Subscription;
import dev.muster.balance.NodeLoad;
import dev.muster.control.AgentInfo;
import dev.muster.control.ControlPlane;
import dev.muster.control.ControlState;
import dev.muster.control.LeaderChanged;
import dev.muster.control.LeaderInfo;
import dev.muster.control.NodeStatus;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Turns what one node sees into {@link EventLog} events: membership changes and service
 * advertisements from the cluster's member events, leader changes from the control plane, and
 * strategy, status and assignment changes by comparing the control state with the one seen
 * before.
 *
 * <p>The control plane has no state listener, so the state is read every {@link #POLL_MILLIS}
 * (a volatile read and a version compare when nothing changed; the agent runtime reads it the
 * same way). A burst of writes between two reads shows as the net change: an agent placed and
 * moved within 100 ms is one {@code placed} event on its last node.
 *
 * <p>Member events of only health figures ({@link NodeLoad}'s keys, which every node republishes
 * every few seconds) are not events here: they would flood the bounded log. Nor are changes of
 * only the control plane's claims {@code leader} and {@code state-version} (every node republishes
 * them after each election and write; the leader, strategy, status and assignment events say it once). Service
 * advertisements ({@code svc.NAME}) become {@code service} events instead of {@code member} ones.
 *
 * <p>Threads: member events arrive on the cluster's listener executor, leader changes on the
 * control plane's; the state poll runs on one daemon thread shared by every feed in the JVM (an
 * embedded local cluster runs 50 nodes in one JVM). The maps below are touched by one of those
 * threads each.
 */
final class EventFeed implements AutoCloseable {

    /** How often the control state is compared: well within the dashboard's one second. */
    static final long POLL_MILLIS = 100;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SERVICE_PREFIX = "svc.";
    /** Metadata keys whose changes are no member events: health figures and control-plane claims. */
    private static final Set<String> QUIET_KEYS = Set.of(NodeLoad.CPU, NodeLoad.MEMORY, NodeLoad.DISK,
            NodeLoad.LOAD, NodeLoad.AGENTS, NodeLoad.MAX_AGENTS, "leader", "state-version");

    private static final ScheduledExecutorService POLLER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "muster-events");
        t.setDaemon(true);
        return t;
    });

    private final EventLog log;
    private final ControlPlane control;
    /** Member name to what it last published, less its health figures; on the listener thread. */
    private final Map<String, Member> seen = new ConcurrentHashMap<>();
    private final Subscription members;
    private final Subscription leaders;
    private final ScheduledFuture<?> poll;
    /** The state compared last; on the poller thread. */
    private ControlState state;

    EventFeed(EventLog log, Cluster cluster, ControlPlane control) {
        this.log = Objects.requireNonNull(log, "log");
        this.control = control;
        for (Member m : cluster.members()) {
            seen.put(m.name(), m);
        }
        this.members = cluster.subscribe(this::member);
        if (control == null) {
            this.leaders = () -> { };
            this.poll = null;
        } else {
            this.state = control.state();
            this.leaders = control.onLeaderChanged(this::leader);
            this.poll = POLLER.scheduleWithFixedDelay(this::safePoll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void member(MemberEvent e) {
        Member m = e.member();
        Member before = e.type() == MemberEvent.Type.DEAD || e.type() == MemberEvent.Type.LEFT
                ? seen.remove(m.name()) : seen.put(m.name(), m);
        Map<String, String> was = before == null || e.type() == MemberEvent.Type.JOINED ? Map.of()
                : services(before.metadata());
        Map<String, String> now = m.state() == MemberState.DEAD || m.state() == MemberState.LEFT ? Map.of()
                : services(m.metadata());
        boolean plain = e.type() != MemberEvent.Type.UPDATED || before == null
                || !before.address().equals(m.address()) || !plain(before.metadata()).equals(plain(m.metadata()));
        if (plain) {
            ObjectNode f = JSON.createObjectNode();
            f.put("kind", e.type().name().toLowerCase(java.util.Locale.ROOT));
            f.put("node", m.name());
            f.put("state", m.state().jsonName());
            f.put("incarnation", m.incarnation());
            f.put("address", m.address().toString());
            log.append("member", f);
        }
        for (Map.Entry<String, String> s : now.entrySet()) {
            String old = was.get(s.getKey());
            if (old == null) {
                service("added", s.getKey(), m.name());
            } else if (!old.equals(s.getValue())) {
                service("changed", s.getKey(), m.name());
            }
        }
        for (String name : was.keySet()) {
            if (!now.containsKey(name)) {
                service("removed", name, m.name());
            }
        }
    }

    private void service(String kind, String service, String node) {
        log.append("service", JSON.createObjectNode().put("kind", kind).put("service", service).put("node", node));
    }

    /** Service name to its advertisement. */
    private static Map<String, String> services(Metadata meta) {
        Map<String, String> out = new TreeMap<>();
        meta.asMap().forEach((k, v) -> {
            if (k.startsWith(SERVICE_PREFIX)) {
                out.put(k.substring(SERVICE_PREFIX.length()), v);
            }
        });
        return out;
    }

    /** The metadata without the quiet keys and service advertisements. */
    private static Map<String, String> plain(Metadata meta) {
        Map<String, String> out = new HashMap<>();
        meta.asMap().forEach((k, v) -> {
            if (!k.startsWith(SERVICE_PREFIX) && !QUIET_KEYS.contains(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    private void leader(LeaderChanged c) {
        ObjectNode f = JSON.createObjectNode();
        f.put("leader", c.current().map(LeaderInfo::name).orElse(null));
        f.put("term", c.current().map(LeaderInfo::term).orElse(0L));
        f.put("previous", c.previous().map(LeaderInfo::name).orElse(null));
        log.append("leader", f);
    }

    private void safePoll() {
        try {
            poll();
        } catch (RuntimeException closed) {
            // a closed control plane throws; close() cancels this task right after
        }
    }

    private void poll() {
        ControlState now = control.state();
        ControlState before = state;
        if (now == before || now.version() == before.version()) {
            return;
        }
        state = now;
        if (now.strategy() != before.strategy()) {
            log.append("strategy", JSON.createObjectNode().put("strategy", now.strategy().jsonName())
                    .put("version", now.version()));
        }
        Set<String> nodes = new java.util.TreeSet<>(before.statuses().keySet());
        nodes.addAll(now.statuses().keySet());
        for (String node : nodes) {
            NodeStatus s = now.status(node);
            if (s != before.status(node)) {
                log.append("status", JSON.createObjectNode().put("node", node).put("status", s.jsonName())
                        .put("previous", before.status(node).jsonName()));
            }
        }
        for (AgentInfo a : now.agents().values()) {
            AgentInfo old = before.agents().get(a.id());
            String was = old == null || !old.placed() ? null : old.node();
            String is = a.placed() ? a.node() : null;
            if (old == null) {
                assignment(is == null ? "added" : "placed", a, is, null);
            } else if (!Objects.equals(was, is)) {
                assignment(was == null ? "placed" : "moved", a, is, was);
            } else if (old.phase() != a.phase()) {
                assignment("phase", a, is, null);
            }
        }
        for (AgentInfo old : before.agents().values()) {
            if (!now.agents().containsKey(old.id())) {
                assignment("removed", old, null, old.placed() ? old.node() : null);
            }
        }
    }

    private void assignment(String kind, AgentInfo a, String node, String previousNode) {
        ObjectNode f = JSON.createObjectNode();
        f.put("kind", kind);
        f.put("id", a.id());
        f.put("node", node);
        f.put("phase", a.phase().jsonName());
        f.put("previous_node", previousNode);
        log.append("assignment", f);
    }

    @Override
    public void close() {
        members.close();
        leaders.close();
        if (poll != null) {
            poll.cancel(false);
        }
    }
}
