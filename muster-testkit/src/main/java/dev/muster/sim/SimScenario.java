package dev.muster.sim;

import dev.muster.Address;
import dev.muster.MemberEvent;
import dev.muster.membership.MembershipConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The standard measurement run behind {@code muster sim}: N nodes start together and join
 * through three seeds; after they have settled, crashes and stalls are spread at random over
 * the fault window; the run reports join convergence, crash detection, false positives and
 * traffic. Everything is drawn from the one seed, so a run replays exactly.
 *
 * <p>Not thread-safe; one run per instance.
 */
public final class SimScenario {

    /** Every knob of a run. Build with {@link #builder()}. */
    public record Options(int nodes, long seed, double loss, int crashes, int stalls, long stallMinNanos,
                          long stallMaxNanos, long durationNanos, MembershipConfig config, String profile,
                          long minLatencyNanos, long meanExtraLatencyNanos, long joinWindowNanos,
                          double faultStartFraction, double faultEndFraction) {

        /** Most nodes a run accepts (memory, not the protocol, sets this bound). */
        public static final int MAX_NODES = 20_000;

        public Options {
            if (nodes < 1 || nodes > MAX_NODES) {
                throw new IllegalArgumentException("nodes (" + nodes + ") must be between 1 and " + MAX_NODES);
            }
            if (!(loss >= 0 && loss < 1)) {
                throw new IllegalArgumentException("loss (" + loss + ") must be at least 0 and below 1");
            }
            if (crashes < 0 || crashes > nodes / 2) {
                throw new IllegalArgumentException("crash (" + crashes + ") must be between 0 and half the nodes ("
                        + nodes / 2 + ")");
            }
            if (stalls < 0) {
                throw new IllegalArgumentException("stall (" + stalls + ") must not be negative");
            }
            if (stallMinNanos <= 0 || stallMaxNanos < stallMinNanos) {
                throw new IllegalArgumentException("stall durations must be positive with min <= max");
            }
            if (durationNanos <= 0) {
                throw new IllegalArgumentException("duration must be positive");
            }
            if (!(0 <= faultStartFraction && faultStartFraction < faultEndFraction && faultEndFraction <= 1)) {
                throw new IllegalArgumentException("fault window fractions must satisfy 0 <= start < end <= 1");
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults: 100 nodes, seed 1, LAN profile, no loss, no faults, 60 s, latency 0.2 ms + Exp(0.3 ms). */
    public static final class Builder {
        private int nodes = 100;
        private long seed = 1;
        private double loss;
        private int crashes;
        private int stalls;
        private long stallMinNanos = 2_000_000_000L;
        private long stallMaxNanos = 5_000_000_000L;
        private long durationNanos = 60_000_000_000L;
        private MembershipConfig config = MembershipConfig.lan();
        private String profile = "lan";
        private long minLatencyNanos = 200_000;
        private long meanExtraLatencyNanos = 300_000;
        private long joinWindowNanos = 100_000_000L;
        private double faultStartFraction = 0.2;
        private double faultEndFraction = 0.7;

        public Builder nodes(int v) { nodes = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder loss(double v) { loss = v; return this; }
        public Builder crashes(int v) { crashes = v; return this; }
        public Builder stalls(int v) { stalls = v; return this; }
        public Builder stallNanos(long min, long max) { stallMinNanos = min; stallMaxNanos = max; return this; }
        public Builder durationNanos(long v) { durationNanos = v; return this; }
        public Builder config(String profileName, MembershipConfig v) { profile = profileName; config = v; return this; }
        public Builder latencyNanos(long min, long meanExtra) { minLatencyNanos = min; meanExtraLatencyNanos = meanExtra; return this; }
        public Builder joinWindowNanos(long v) { joinWindowNanos = v; return this; }
        public Builder faultWindow(double start, double end) { faultStartFraction = start; faultEndFraction = end; return this; }

        public Options build() {
            return new Options(nodes, seed, loss, crashes, stalls, stallMinNanos, stallMaxNanos, durationNanos,
                    config, profile, minLatencyNanos, meanExtraLatencyNanos, joinWindowNanos, faultStartFraction,
                    faultEndFraction);
        }
    }

    private final Options o;
    private final Simulation sim;
    private final Map<String, Integer> indexByName = new HashMap<>();
    private final long[] convergedAt;
    private int convergedNodes;
    private long allConvergedAt = -1;
    private long packetsAtConvergence;
    private long streamsAtConvergence;
    private long bytesAtConvergence;
    private long firstFaultAt = Long.MAX_VALUE;
    private long packetsAtFirstFault = -1;
    private long streamsAtFirstFault;
    private long bytesAtFirstFault;
    private final Map<String, Crash> crashes = new LinkedHashMap<>();
    private final Set<String> falselyDeclared = new HashSet<>();
    private long falsePositiveEvents;

    private static final class Crash {
        final int victim;
        final long at;
        final Set<Integer> markedBy = new HashSet<>();
        long detectedAt = -1;

        Crash(int victim, long at) {
            this.victim = victim;
            this.at = at;
        }
    }

    public SimScenario(Options options) {
        this.o = options;
        this.sim = new Simulation(options.config(), options.seed(), options.loss(), options.minLatencyNanos(),
                options.meanExtraLatencyNanos());
        this.convergedAt = new long[options.nodes()];
        Arrays.fill(convergedAt, -1);
        sim.addListener(this::onEvent);
        setUp();
    }

    /** The simulation, for tests that add their own listeners before {@link #run()}. */
    public Simulation simulation() {
        return sim;
    }

    private void setUp() {
        SplittableRandom schedule = new SplittableRandom(o.seed() ^ 0x5DEECE66DL);
        List<Address> seeds = new ArrayList<>();
        for (int i = 0; i < Math.min(3, o.nodes()); i++) {
            seeds.add(addressOf(i));
        }
        for (int i = 0; i < o.nodes(); i++) {
            long start = i == 0 ? 0 : (long) (schedule.nextDouble() * o.joinWindowNanos());
            String name = "node-" + (i + 1);
            indexByName.put(name, i);
            sim.addNode(name, addressOf(i), seeds, start);
        }
        long from = (long) (o.durationNanos() * o.faultStartFraction());
        long to = (long) (o.durationNanos() * o.faultEndFraction());
        Set<Integer> victims = new HashSet<>();
        for (int c = 0; c < o.crashes(); c++) {
            int v;
            do {
                v = schedule.nextInt(o.nodes());
            } while (victims.contains(v));
            victims.add(v);
            int victim = v;
            long at = from + (long) (schedule.nextDouble() * (to - from));
            noteFault(at);
            sim.schedule(at, () -> {
                sim.crash(victim);
                crashes.put(sim.name(victim), new Crash(victim, sim.nowNanos()));
            });
        }
        for (int s = 0; s < o.stalls(); s++) {
            int v = schedule.nextInt(o.nodes());
            long at = from + (long) (schedule.nextDouble() * (to - from));
            long length = o.stallMinNanos() + (long) (schedule.nextDouble() * (o.stallMaxNanos() - o.stallMinNanos()));
            noteFault(at);
            sim.schedule(at, () -> sim.pause(v, length));
        }
        if (firstFaultAt != Long.MAX_VALUE) {
            sim.schedule(firstFaultAt, () -> {
                packetsAtFirstFault = sim.packetsSent();
                streamsAtFirstFault = sim.streamsSent();
                bytesAtFirstFault = sim.bytesSent();
            });
        }
    }

    private void noteFault(long at) {
        firstFaultAt = Math.min(firstFaultAt, at);
    }

    public static Address addressOf(int i) {
        return new Address("10." + (i >> 16) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF), 7946);
    }

    /** Runs the whole duration and reports. */
    public SimReport run() {
        return run(simulatedNanos -> { });
    }

    /**
     * Runs the whole duration in steps of one simulated second, telling {@code progress} the
     * simulated time after each (running in steps changes nothing: events are processed in the
     * same order), and reports.
     */
    public SimReport run(java.util.function.LongConsumer progress) {
        long wallStart = System.nanoTime(); // wall time of the run is reported, never used by the run
        for (long t = Math.min(1_000_000_000L, o.durationNanos()); ; t = Math.min(t + 1_000_000_000L, o.durationNanos())) {
            sim.runUntil(t);
            progress.accept(t);
            if (t == o.durationNanos()) {
                break;
            }
        }
        long wallMs = (System.nanoTime() - wallStart) / 1_000_000;
        return report(wallMs);
    }

    private void onEvent(long now, int observer, MemberEvent e) {
        if (convergedAt[observer] < 0 && sim.membership(observer).aliveCount() == o.nodes()) {
            convergedAt[observer] = now;
            if (++convergedNodes == o.nodes()) {
                allConvergedAt = now;
                packetsAtConvergence = sim.packetsSent();
                streamsAtConvergence = sim.streamsSent();
                bytesAtConvergence = sim.bytesSent();
            }
        }
        String member = e.member().name();
        if (e.type() == MemberEvent.Type.DEAD || e.type() == MemberEvent.Type.LEFT) {
            Crash c = crashes.get(member);
            if (c != null && !sim.isUp(c.victim)) {
                if (c.detectedAt < 0 && sim.isUp(observer) && c.markedBy.add(observer)) {
                    checkDetected(c, now);
                }
                return;
            }
            Integer idx = indexByName.get(member);
            if (e.type() == MemberEvent.Type.DEAD && idx != null && sim.isUp(idx)
                    && e.member().incarnation() >= sim.startIncarnation(idx)) {
                falsePositiveEvents++;
                falselyDeclared.add(member);
            }
        }
    }

    private void checkDetected(Crash c, long now) {
        if (c.markedBy.size() < sim.upCount()) {
            return; // not enough marks yet for every live node: skip the O(N) scan
        }
        for (int i = 0; i < sim.size(); i++) {
            if (i != c.victim && sim.isUp(i) && !c.markedBy.contains(i)) {
                return;
            }
        }
        c.detectedAt = now;
    }

    private SimReport report(long wallMs) {
        double simSeconds = o.durationNanos() / 1e9;
        long msgs = sim.packetsSent() + sim.streamsSent();
        List<Long> detections = new ArrayList<>();
        int undetected = 0;
        for (Crash c : crashes.values()) {
            if (c.detectedAt >= 0) {
                detections.add((c.detectedAt - c.at) / 1_000_000);
            } else {
                undetected++;
            }
        }
        List<Long> perNode = new ArrayList<>();
        for (long t : convergedAt) {
            if (t >= 0) {
                perNode.add(t / 1_000_000);
            }
        }
        Double idleBytes = null;
        Double idleMsgs = null;
        if (allConvergedAt >= 0 && allConvergedAt < Math.min(firstFaultAt, o.durationNanos())) {
            long end = Math.min(firstFaultAt, o.durationNanos());
            long bytesEnd = packetsAtFirstFault >= 0 ? bytesAtFirstFault : sim.bytesSent();
            long msgsEnd = packetsAtFirstFault >= 0 ? packetsAtFirstFault + streamsAtFirstFault
                    : sim.packetsSent() + sim.streamsSent();
            double window = (end - allConvergedAt) / 1e9 * o.nodes();
            idleBytes = round1((bytesEnd - bytesAtConvergence) / window);
            idleMsgs = round1((msgsEnd - packetsAtConvergence - streamsAtConvergence) / window);
        }
        return new SimReport(
                o.nodes(), o.seed(), o.profile(), o.config().lifeguard(), o.loss(),
                allConvergedAt >= 0 ? allConvergedAt / 1_000_000 : null,
                Percentiles.of(perNode), perNode.size(),
                crashes.size(), Percentiles.of(detections), undetected,
                o.stalls(), falselyDeclared.size(), falsePositiveEvents,
                round1(msgs / (o.nodes() * simSeconds)),
                round1(sim.bytesSent() / (o.nodes() * simSeconds)),
                idleMsgs, idleBytes,
                simSeconds, wallMs, sim.eventsProcessed(), sim.membershipEvents(), sim.traceSha256());
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
