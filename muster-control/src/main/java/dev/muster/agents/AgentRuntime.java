package dev.muster.agents;

import dev.muster.Cluster;
import dev.muster.control.AgentInfo;
import dev.muster.control.AgentPhase;
import dev.muster.control.ControlException;
import dev.muster.control.ControlPlane;
import dev.muster.control.ControlState;
import dev.muster.control.Mutation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the agents the replicated state places on this node. Every {@link #TICK_MILLIS} it
 * compares the state with what runs here: it starts agents placed here (with the state a
 * migration handed over), stops those removed or placed elsewhere, and for a migration stops the
 * agent with a snapshot and hands it over. It reports each agent running or failed to the
 * control plane, batched, one write in flight.
 *
 * <p>An agent runs here only under the placement epoch it was started for: once the state names
 * another node or epoch, it is stopped. Threads: one shared timer thread for every runtime of the
 * JVM; agents start and stop on virtual threads, one call at a time per agent.
 */
public final class AgentRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AgentRuntime.class);

    /** How often the runtime compares the state with its agents. */
    public static final long TICK_MILLIS = 100;

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "muster-agents");
        t.setDaemon(true);
        return t;
    });
    private static final ExecutorService WORK = Executors.newVirtualThreadPerTaskExecutor();

    /** One agent of this node. */
    private static final class Local {
        final AgentInfo placed;
        final Agent agent;
        /** STARTING, RUNNING, FAILED, STOPPING, HANDING_OFF: changed under the runtime's lock. */
        String phase = "starting";
        byte[] handOff;

        Local(AgentInfo placed, Agent agent) {
            this.placed = placed;
            this.agent = agent;
        }
    }

    /** An agent this node runs, as the runtime sees it. */
    public record LocalAgent(String id, String type, long epoch, String phase) {}

    private final ControlPlane control;
    private final AgentTypes types;
    private final Path workRoot;
    private final String self;
    private final Object lock = new Object();
    private final Map<String, Local> local = new ConcurrentHashMap<>();
    private final Map<String, Mutation.Report> outbox = new ConcurrentHashMap<>();
    private boolean flushing;
    private boolean confirming;
    /** The newest state this runtime has acted on. */
    private ControlState newest = ControlState.INITIAL;
    private volatile boolean closed;
    private final ScheduledFuture<?> ticker;

    private AgentRuntime(Cluster node, ControlPlane control, AgentTypes types, Path workRoot) {
        this.control = Objects.requireNonNull(control, "control");
        this.types = Objects.requireNonNull(types, "types");
        this.workRoot = Objects.requireNonNull(workRoot, "workRoot");
        this.self = node.localMember().name();
        int leftovers = CommandAgent.endLeftovers(workRoot);
        if (leftovers > 0) {
            LOG.info("{}: ended {} process(es) that command agents of an earlier run left", self, leftovers);
        }
        this.ticker = TIMER.scheduleWithFixedDelay(this::safeTick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts the runtime of a node.
     *
     * @param workRoot where each agent gets its work directory ({@code workRoot/<id>})
     */
    public static AgentRuntime start(Cluster node, ControlPlane control, AgentTypes types, Path workRoot) {
        return new AgentRuntime(node, control, types, workRoot);
    }

    /** Agents running here now (the figure this node publishes as {@code agents}). */
    public int running() {
        int n = 0;
        for (Local l : local.values()) {
            if (l.phase.equals("running")) {
                n++;
            }
        }
        return n;
    }

    /** The agents of this node and where each is in its life here. */
    public List<LocalAgent> agents() {
        List<LocalAgent> out = new ArrayList<>();
        synchronized (lock) {
            local.values().forEach(l -> out.add(new LocalAgent(l.placed.id(), l.placed.spec().type(), l.placed.epoch(),
                    l.phase)));
        }
        out.sort(java.util.Comparator.comparing(LocalAgent::id));
        return out;
    }

    /** The running agent instance of that id, for tests and embedding applications. */
    public java.util.Optional<Agent> instance(String id) {
        Local l = local.get(id);
        return l == null || !l.phase.equals("running") ? java.util.Optional.empty() : java.util.Optional.of(l.agent);
    }

    private void safeTick() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warn("{}: agent runtime tick failed", self, e);
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        ControlState seen = control.state();
        synchronized (lock) {
            if (closed) {
                return; // close() ran while this tick waited for the lock: start nothing more
            }
            // Never act on an older state than one already acted on: a replica's copy goes back
            // while it installs a snapshot, and a worker's copy may lag the read that started an
            // agent; either would stop agents that are still placed here.
            if (seen.version() >= newest.version()) {
                newest = seen;
            }
            ControlState s = newest;
            for (Local l : local.values()) {
                AgentInfo now = s.agents().get(l.placed.id());
                boolean mine = now != null && now.node().equals(self) && now.epoch() == l.placed.epoch();
                if (!mine) {
                    if (!l.phase.equals("stopping") && !l.phase.equals("handing-off")) {
                        stop(l);
                    }
                } else if (now.phase() == AgentPhase.MIGRATING && l.phase.equals("running")) {
                    handOff(l);
                } else if (l.phase.equals("handing-off") && l.handOff != null) {
                    sendHandOff(l);
                }
            }
            if (!confirming && s.agents().values().stream().anyMatch(this::startable)) {
                confirmAndStart();
            }
            // The local copy may lag the read an agent was started from: a report is dropped only
            // when that copy already holds it, or has moved past its epoch.
            outbox.values().removeIf(r -> {
                AgentInfo now = s.agents().get(r.agent());
                if (now == null) {
                    return !local.containsKey(r.agent());
                }
                return now.epoch() > r.epoch() || now.epoch() == r.epoch() && (!now.node().equals(self)
                        || now.phase() == r.phase() && now.message().equals(r.message()));
            });
            if (!outbox.isEmpty() && !flushing) {
                flush();
            }
        }
    }

    /** Placed here, under an epoch that runs nowhere here yet. */
    private boolean startable(AgentInfo a) {
        return a.spec() != null && a.node().equals(self) && !local.containsKey(a.id())
                && (a.phase() == AgentPhase.ASSIGNED || a.phase() == AgentPhase.RUNNING);
    }

    /**
     * Starts what the leader's current state places here. The local copy only says there may be
     * something to start: a restarted replica's recovered log or a lagging copy can still name
     * this node for an agent the leader has moved on, and starting from it would run the agent
     * twice. One linearizable read per round of starts settles it.
     */
    private void confirmAndStart() {
        confirming = true;
        WORK.execute(() -> {
            ControlState current = null;
            try {
                current = control.readLinearizable();
            } catch (RuntimeException e) { // no leader now, or the node is closing: the next tick tries again
                LOG.debug("{}: cannot confirm placements yet: {}", self, e.getMessage());
            }
            synchronized (lock) {
                confirming = false;
                if (current == null || closed) {
                    return;
                }
                if (current.version() > newest.version()) {
                    newest = current;
                }
                for (AgentInfo a : current.agents().values()) {
                    if (startable(a)) {
                        start(a);
                    }
                }
            }
        });
    }

    private void start(AgentInfo a) {
        java.util.Optional<Agent> made = types.create(a.spec().type());
        if (made.isEmpty()) {
            Local l = new Local(a, null);
            l.phase = "failed";
            local.put(a.id(), l);
            report(a, AgentPhase.FAILED, "node " + self + " has no agent type '" + a.spec().type() + "'; it has "
                    + String.join(", ", types.names()));
            return;
        }
        Local l = new Local(a, made.get());
        local.put(a.id(), l);
        WORK.execute(() -> {
            String failure = null;
            try {
                Path dir = workRoot.resolve(a.id());
                Files.createDirectories(dir);
                l.agent.start(new AgentContext(a.id(), a.spec(), self, a.snapshot(), dir, why -> ended(l, why)));
            } catch (Exception | LinkageError e) {
                failure = e.getMessage() == null ? e.toString() : e.getMessage();
            }
            boolean stopNow = false;
            synchronized (lock) {
                if (failure != null) {
                    l.phase = "failed";
                    report(a, AgentPhase.FAILED, "could not start on " + self + ": " + failure);
                } else if (l.phase.equals("starting")) {
                    l.phase = "running";
                    report(a, AgentPhase.RUNNING, "");
                } else {
                    stopNow = true; // moved away while it started: this thread stops it
                }
            }
            if (stopNow) {
                stopQuietly(l);
                local.remove(a.id(), l);
            }
            LOG.debug("{}: agent {} epoch {} {}", self, a.id(), a.epoch(), failure == null ? "started" : failure);
        });
    }

    private void ended(Local l, String why) {
        synchronized (lock) {
            if (l.phase.equals("running") || l.phase.equals("starting")) {
                l.phase = "failed";
                report(l.placed, AgentPhase.FAILED, why);
            }
        }
    }

    /** Stops an agent that is no longer placed here; it leaves the table once stopped. */
    private void stop(Local l) {
        String was = l.phase;
        l.phase = "stopping";
        if (l.agent == null) {
            local.remove(l.placed.id(), l);
        } else if (!was.equals("starting")) { // a starting agent is stopped by its start thread
            WORK.execute(() -> {
                stopQuietly(l);
                local.remove(l.placed.id(), l);
            });
        }
    }

    /** A migration: snapshot, stop, then hand over through the control plane. */
    private void handOff(Local l) {
        l.phase = "handing-off";
        WORK.execute(() -> {
            byte[] snap;
            try {
                snap = l.agent.snapshot();
                if (snap == null || snap.length > AgentInfo.MAX_SNAPSHOT_BYTES) {
                    LOG.warn("{}: agent {} snapshot is {} bytes, over {}; it moves without its state", self,
                            l.placed.id(), snap == null ? 0 : snap.length, AgentInfo.MAX_SNAPSHOT_BYTES);
                    snap = new byte[0];
                }
            } catch (Exception e) {
                LOG.warn("{}: agent {} snapshot failed, it moves without its state: {}", self, l.placed.id(), e.toString());
                snap = new byte[0];
            }
            stopQuietly(l);
            synchronized (lock) {
                l.handOff = snap;
                sendHandOff(l);
            }
        });
    }

    private void sendHandOff(Local l) {
        byte[] snap = l.handOff;
        l.handOff = null; // in flight; set again when the write must be retried
        WORK.execute(() -> {
            try {
                control.write(new Mutation.HandOff(l.placed.id(), l.placed.epoch(), snap));
                local.remove(l.placed.id(), l);
            } catch (ControlException e) {
                if (e.reason() == ControlException.Reason.REJECTED) {
                    local.remove(l.placed.id(), l); // the agent moved on without this hand-off
                } else {
                    synchronized (lock) {
                        l.handOff = snap;
                    }
                }
            }
        });
    }

    private void report(AgentInfo a, AgentPhase phase, String message) {
        outbox.put(a.id(), new Mutation.Report(a.id(), a.epoch(), phase, message));
    }

    private void flush() {
        List<Mutation.Report> batch = new ArrayList<>(outbox.values());
        flushing = true;
        WORK.execute(() -> {
            try {
                control.write(new Mutation.ReportAgents(batch));
                for (Mutation.Report r : batch) {
                    outbox.remove(r.agent(), r);
                }
            } catch (ControlException e) {
                LOG.debug("{}: agent reports not written yet: {}", self, e.getMessage());
            } finally {
                synchronized (lock) {
                    flushing = false;
                }
            }
        });
    }

    /** Stops every agent of this node (the node is stopping) and the runtime. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        ticker.cancel(false);
        List<Local> all;
        synchronized (lock) {
            closed = true;
            all = new ArrayList<>(local.values());
            local.clear();
            for (Local l : all) {
                if (l.phase.equals("starting")) {
                    l.phase = "stopping"; // its start thread stops it
                }
            }
        }
        for (Local l : all) {
            if (l.agent != null && (l.phase.equals("running") || l.phase.equals("failed"))) {
                stopQuietly(l);
            }
        }
    }

    private void stopQuietly(Local l) {
        try {
            l.agent.stop();
        } catch (Exception | LinkageError e) {
            LOG.warn("{}: agent {} did not stop cleanly: {}", self, l.placed.id(), e.toString());
        }
    }
}
