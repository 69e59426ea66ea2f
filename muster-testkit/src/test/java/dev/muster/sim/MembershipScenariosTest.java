package dev.muster.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muster.Address;
import dev.muster.MemberEvent;
import dev.muster.MemberState;
import dev.muster.membership.MembershipConfig;
import dev.muster.membership.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The membership protocol's behaviour on the deterministic simulator: fixed seeds, simulated
 * time only. A failure message names the seed; rerun with it to replay the run exactly.
 */
class MembershipScenariosTest {

    private static final long S = 1_000_000_000L;
    private static final long SEED = 42;

    /** A cluster of {@code n} LAN nodes on a 0.5 ms network, all started at t = 0..100 ms. */
    private static Simulation cluster(int n, long seed) {
        Simulation sim = new Simulation(MembershipConfig.lan(), seed, 0.0, 200_000, 300_000);
        List<Address> seeds = List.of(SimScenario.addressOf(0), SimScenario.addressOf(1), SimScenario.addressOf(2));
        for (int i = 0; i < n; i++) {
            sim.addNode("node-" + (i + 1), SimScenario.addressOf(i), seeds, i * 100_000_000L / n);
        }
        return sim;
    }

    /** Runs until {@code condition} holds (checked every 100 ms of simulated time) or the deadline. */
    private static boolean runUntil(Simulation sim, long deadlineNanos, BooleanSupplier condition) {
        for (long t = sim.nowNanos(); t <= deadlineNanos; t += 100_000_000L) {
            sim.runUntil(t);
            if (condition.getAsBoolean()) {
                return true;
            }
        }
        return false;
    }

    private static boolean everyLiveNodeSees(Simulation sim, String member, MemberState state) {
        for (int i = 0; i < sim.size(); i++) {
            if (sim.isUp(i) && !sim.name(i).equals(member)) {
                var m = sim.membership(i).member(member);
                if (m == null || m.state() != state) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Every node has started, and every live node sees exactly the live nodes alive. */
    private static boolean converged(Simulation sim) {
        if (IntStream.range(0, sim.size()).anyMatch(i -> sim.membership(i) == null)) {
            return false;
        }
        int up = (int) IntStream.range(0, sim.size()).filter(sim::isUp).count();
        return IntStream.range(0, sim.size()).filter(sim::isUp)
                .allMatch(i -> sim.membership(i).aliveCount() == up);
    }

    @ParameterizedTest(name = "N = {0}")
    @CsvSource({"10, 5", "100, 10", "1000, 60"})
    void everyNodeSeesEveryOtherAlive(int n, int withinSeconds) {
        Simulation sim = cluster(n, SEED);
        assertThat(runUntil(sim, withinSeconds * S, () -> converged(sim)))
                .as("seed %d: %d nodes converge within %d simulated seconds", SEED, n, withinSeconds)
                .isTrue();
    }

    @Test
    void aCrashedNodeIsMarkedDeadByEveryone() {
        Simulation sim = cluster(10, SEED);
        runUntil(sim, 5 * S, () -> converged(sim));
        sim.crash(4);
        long crashedAt = sim.nowNanos();
        assertThat(runUntil(sim, crashedAt + 20 * S, () -> everyLiveNodeSees(sim, "node-5", MemberState.DEAD)))
                .as("seed %d: every survivor marks node-5 dead within 20 s", SEED).isTrue();
        assertThat(IntStream.range(0, 10).filter(sim::isUp)
                .allMatch(i -> sim.membership(i).aliveCount() == 9)).isTrue();
    }

    @Test
    void aNodeThatLeavesIsSeenAsLeftAndNeverAsDead() {
        Simulation sim = cluster(10, SEED);
        runUntil(sim, 5 * S, () -> converged(sim));
        List<MemberEvent.Type> seen = new ArrayList<>();
        sim.addListener((t, observer, e) -> {
            if (e.member().name().equals("node-7")) {
                seen.add(e.type());
            }
        });
        sim.leave(6);
        assertThat(runUntil(sim, sim.nowNanos() + 3 * S, () -> everyLiveNodeSees(sim, "node-7", MemberState.LEFT)
                && sim.membership(6).localState() == MemberState.LEFT))
                .as("seed %d: the leave spreads, and the leaver finishes, within 3 s", SEED).isTrue();
        assertThat(seen).containsOnly(MemberEvent.Type.LEFT).hasSize(9);
    }

    @Test
    void aRestartedNodeRejoinsUnderItsNameAtTheSameAddress() {
        Simulation sim = cluster(10, SEED);
        runUntil(sim, 5 * S, () -> converged(sim));
        sim.crash(3);
        runUntil(sim, sim.nowNanos() + 30 * S, () -> everyLiveNodeSees(sim, "node-4", MemberState.DEAD));
        sim.restart(3, null);
        assertThat(runUntil(sim, sim.nowNanos() + 5 * S, () -> converged(sim)))
                .as("seed %d: node-4 is alive again everywhere within 5 s", SEED).isTrue();
        assertThat(sim.membership(0).member("node-4").incarnation()).isGreaterThanOrEqualTo(sim.startIncarnation(3));
    }

    @Test
    void aRestartedNodeRejoinsUnderItsNameAtANewAddress() {
        Simulation sim = cluster(10, SEED);
        runUntil(sim, 5 * S, () -> converged(sim));
        sim.crash(3);
        runUntil(sim, sim.nowNanos() + 30 * S, () -> everyLiveNodeSees(sim, "node-4", MemberState.DEAD));
        Address moved = new Address("10.9.9.9", 8000);
        sim.restart(3, moved);
        assertThat(runUntil(sim, sim.nowNanos() + 5 * S, () -> converged(sim))).isTrue();
        assertThat(sim.membership(0).member("node-4").address()).isEqualTo(moved);
    }

    @Test
    void aPartitionSplitsTheClusterAndPushPullMergesItAfterTheHeal() {
        Simulation sim = cluster(10, SEED);
        runUntil(sim, 5 * S, () -> converged(sim));
        sim.partition(Set.of(0, 1, 2, 3, 4));
        assertThat(runUntil(sim, sim.nowNanos() + 60 * S, () -> IntStream.range(0, 5).allMatch(i ->
                        sim.membership(i).member("node-" + (10 - i)).state() == MemberState.DEAD
                        && sim.membership(9 - i).member("node-" + (i + 1)).state() == MemberState.DEAD)))
                .as("seed %d: each side declares the other dead", SEED).isTrue();
        // Stay apart past the dead-member retention (30 s): the other side becomes tombstones,
        // which only a reconnect that carries them can revive.
        sim.runUntil(sim.nowNanos() + 40 * S);
        sim.heal();
        assertThat(runUntil(sim, sim.nowNanos() + 120 * S, () -> converged(sim)))
                .as("seed %d: push-pull with a dead member reunites the halves within 120 s", SEED).isTrue();
    }

    @Test
    void aFalseSuspicionIsRefutedAndNobodyDeclaresTheNodeDead() {
        Simulation sim = cluster(10, SEED);
        runUntil(sim, 5 * S, () -> converged(sim));
        int before = sim.membership(5).incarnation();
        List<MemberEvent.Type> seen = new ArrayList<>();
        sim.addListener((t, observer, e) -> {
            if (e.member().name().equals("node-6")) {
                seen.add(e.type());
            }
        });
        sim.inject(0, sim.address(1), new Message.Suspect("node-6", before, "node-2"));
        sim.runUntil(sim.nowNanos() + 60 * S);
        assertThat(seen).as("the rumour spread").contains(MemberEvent.Type.SUSPECT);
        assertThat(seen).as("and was refuted before anyone declared node-6 dead").doesNotContain(MemberEvent.Type.DEAD);
        assertThat(sim.membership(5).incarnation()).isGreaterThan(before);
        assertThat(everyLiveNodeSees(sim, "node-6", MemberState.ALIVE)).isTrue();
    }

    @Test
    void aOneWayCutIsBridgedByIndirectProbes() {
        Simulation sim = cluster(10, SEED);
        runUntil(sim, 5 * S, () -> converged(sim));
        sim.block(0, 5); // node-1 cannot reach node-6 directly; others can
        List<MemberEvent.Type> deaths = new ArrayList<>();
        sim.addListener((t, observer, e) -> {
            if (e.type() == MemberEvent.Type.DEAD) {
                deaths.add(e.type());
            }
        });
        sim.runUntil(sim.nowNanos() + 120 * S);
        assertThat(deaths).as("seed %d: no member is declared dead over a one-way cut", SEED).isEmpty();
    }
}
