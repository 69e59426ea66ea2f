package dev.muster.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muster.Address;
import dev.muster.membership.MembershipConfig;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Convergence at sizes only the simulator reaches: fixed seeds, simulated time only. A failure
 * message names the seed; rerun with it to replay the run exactly. The behaviour scenarios
 * (crash, leave, rejoin, partition, refutation, cut) are in {@code dev.muster.scenarios}, run on
 * both the simulator and real sockets.
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
}
