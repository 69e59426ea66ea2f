package dev.muster.testkit;

import dev.muster.Address;
import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.membership.MembershipConfig;
import dev.muster.membership.Message;
import dev.muster.sim.SimScenario;
import dev.muster.sim.Simulation;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/** The scenario cluster on the deterministic simulator: LAN timing, a 0.2-0.3 ms network, virtual time. */
public final class SimulatedDriver implements ClusterDriver {

    private static final long STEP_NANOS = 100_000_000L;

    private final long seed;
    private final MembershipConfig config = MembershipConfig.lan();
    private Simulation sim;
    private int moves;

    public SimulatedDriver(long seed) {
        this.seed = seed;
    }

    @Override
    public void start(int n) {
        sim = new Simulation(config, seed, 0.0, 200_000, 300_000);
        List<Address> seeds = List.of(SimScenario.addressOf(0), SimScenario.addressOf(1), SimScenario.addressOf(2));
        for (int i = 0; i < n; i++) {
            sim.addNode("node-" + (i + 1), SimScenario.addressOf(i), seeds, i * 100_000_000L / n);
        }
    }

    @Override
    public boolean await(Duration within, BooleanSupplier condition) {
        long deadline = sim.nowNanos() + within.toNanos();
        for (long t = sim.nowNanos(); t <= deadline; t += STEP_NANOS) {
            sim.runUntil(t);
            if (sim.membership(sim.size() - 1) != null && condition.getAsBoolean()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void pass(Duration duration) {
        sim.runUntil(sim.nowNanos() + duration.toNanos());
    }

    @Override public int size() { return sim.size(); }
    @Override public String name(int i) { return sim.name(i); }
    @Override public Address address(int i) { return sim.address(i); }
    @Override public boolean isUp(int i) { return sim.isUp(i); }

    @Override
    public MemberState stateSeenBy(int observer, String member) {
        Member m = sim.membership(observer).member(member);
        return m == null ? null : m.state();
    }

    @Override public int aliveSeenBy(int observer) { return sim.membership(observer).aliveCount(); }
    @Override public List<Member> membersSeenBy(int observer) { return sim.membership(observer).members(); }
    @Override public int incarnation(int i) { return sim.membership(i).incarnation(); }
    @Override public boolean hasLeft(int i) { return sim.membership(i).localState() == MemberState.LEFT; }
    @Override public void crash(int i) { sim.crash(i); }
    @Override public void leave(int i) { sim.leave(i); }

    @Override
    public void restart(int i, boolean newAddress) {
        sim.restart(i, newAddress ? new Address("10.9.9." + (++moves), 8000) : null);
    }

    @Override public void partition(Set<Integer> side) { sim.partition(side); }
    @Override public void heal() { sim.heal(); }
    @Override public void block(int from, int to) { sim.block(from, to); }

    @Override
    public void injectSuspect(int to, String member, int incarnation, String by) {
        sim.inject(to, sim.address(sim.indexOf(by)), new Message.Suspect(member, incarnation, by));
    }

    @Override
    public void addListener(Listener listener) {
        sim.addListener((t, observer, e) -> listener.event(observer, e));
    }

    @Override public Duration deadMemberRetention() { return config.deadMemberRetention(); }
    @Override public Duration pushPullInterval() { return config.pushPullInterval(); }
    @Override public double slack() { return 1.0; }
    @Override public long nowNanos() { return sim.nowNanos(); }
    @Override public void close() { }
}
