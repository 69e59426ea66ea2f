package dev.muster.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muster.testkit.ClusterDriver;
import dev.muster.MemberEvent;
import dev.muster.MemberState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The membership scenarios every transport must pass: one suite, run on the deterministic
 * simulator and on real loopback sockets (the Ratis pattern). Each subclass supplies the
 * cluster; the deadlines are liveness bounds scaled by {@link ClusterDriver#slack()}, not
 * speed targets (those are benchmarks).
 */
abstract class MembershipScenarios {

    private ClusterDriver cluster;

    /** A fresh, not yet started cluster. */
    protected abstract ClusterDriver newCluster();

    /** Something that names the run for a failure message (the seed, or "real sockets"). */
    protected abstract String run();

    private ClusterDriver started(int n) throws Exception {
        cluster = newCluster();
        cluster.start(n);
        assertThat(cluster.await(within(10), () -> converged(cluster)))
                .as("%s: %d nodes converge", run(), n).isTrue();
        return cluster;
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Duration within(double seconds) {
        return Duration.ofMillis((long) (seconds * 1000 * cluster.slack()));
    }

    static boolean everyLiveNodeSees(ClusterDriver c, String member, MemberState state) {
        for (int i = 0; i < c.size(); i++) {
            if (c.isUp(i) && !c.name(i).equals(member) && c.stateSeenBy(i, member) != state) {
                return false;
            }
        }
        return true;
    }

    private static boolean gone(MemberState seen) {
        return seen == null || seen == MemberState.DEAD;
    }

    /** Every live node sees exactly the live nodes alive. */
    static boolean converged(ClusterDriver c) {
        int up = (int) IntStream.range(0, c.size()).filter(c::isUp).count();
        return IntStream.range(0, c.size()).filter(c::isUp).allMatch(i -> c.aliveSeenBy(i) == up);
    }

    private List<MemberEvent.Type> eventsAbout(String member) {
        List<MemberEvent.Type> seen = Collections.synchronizedList(new ArrayList<>());
        cluster.addListener((observer, e) -> {
            if (e.member().name().equals(member)) {
                seen.add(e.type());
            }
        });
        return seen;
    }

    @Test
    void tenNodesConverge() throws Exception {
        started(10);
    }

    @Test
    void aCrashedNodeIsMarkedDeadByEveryone() throws Exception {
        ClusterDriver c = started(10);
        c.crash(4);
        assertThat(c.await(within(20), () -> everyLiveNodeSees(c, "node-5", MemberState.DEAD)))
                .as("%s: every survivor marks node-5 dead", run()).isTrue();
        assertThat(IntStream.range(0, 10).filter(c::isUp).allMatch(i -> c.aliveSeenBy(i) == 9)).isTrue();
    }

    @Test
    void aNodeThatLeavesIsSeenAsLeftAndNeverAsDead() throws Exception {
        ClusterDriver c = started(10);
        List<MemberEvent.Type> seen = eventsAbout("node-7");
        c.leave(6);
        assertThat(c.await(within(3), () -> everyLiveNodeSees(c, "node-7", MemberState.LEFT) && c.hasLeft(6)))
                .as("%s: the leave spreads, and the leaver finishes", run()).isTrue();
        c.await(within(2), () -> seen.size() >= 9);
        assertThat(seen).containsOnly(MemberEvent.Type.LEFT).hasSize(9);
    }

    @Test
    void aRestartedNodeRejoinsUnderItsNameAtTheSameAddress() throws Exception {
        ClusterDriver c = started(10);
        int before = c.incarnation(3);
        c.crash(3);
        assertThat(c.await(within(30), () -> everyLiveNodeSees(c, "node-4", MemberState.DEAD))).isTrue();
        c.restart(3, false);
        assertThat(c.await(within(5), () -> converged(c)))
                .as("%s: node-4 is alive again everywhere", run()).isTrue();
        assertThat(c.incarnation(3)).isGreaterThanOrEqualTo(before);
    }

    @Test
    void aRestartedNodeRejoinsUnderItsNameAtANewAddress() throws Exception {
        ClusterDriver c = started(10);
        c.crash(3);
        assertThat(c.await(within(30), () -> everyLiveNodeSees(c, "node-4", MemberState.DEAD))).isTrue();
        var old = c.address(3);
        c.restart(3, true);
        assertThat(c.address(3)).isNotEqualTo(old);
        assertThat(c.await(within(5), () -> converged(c))).as("%s: node-4 rejoins at its new address", run()).isTrue();
    }

    @Test
    void aPartitionSplitsTheClusterAndPushPullMergesItAfterTheHeal() throws Exception {
        ClusterDriver c = started(10);
        c.partition(Set.of(0, 1, 2, 3, 4));
        // Dead, or already forgotten: where the retention is short, the first to die may be
        // reaped before the last one is declared dead.
        assertThat(c.await(within(60), () -> IntStream.range(0, 5).allMatch(i ->
                        gone(c.stateSeenBy(i, "node-" + (10 - i))) && gone(c.stateSeenBy(9 - i, "node-" + (i + 1))))))
                .as("%s: each side declares the other dead", run()).isTrue();
        // Stay apart past the dead-member retention: the other side becomes tombstones, which
        // only a reconnect that carries them can revive.
        c.pass(c.deadMemberRetention().plusSeconds(10));
        c.heal();
        Duration repair = c.pushPullInterval().multipliedBy(4);
        assertThat(c.await(within(repair.toSeconds()), () -> converged(c)))
                .as("%s: push-pull with a dead member reunites the halves", run()).isTrue();
    }

    @Test
    void aFalseSuspicionIsRefutedAndNobodyDeclaresTheNodeDead() throws Exception {
        ClusterDriver c = started(10);
        int before = c.incarnation(5);
        List<MemberEvent.Type> seen = eventsAbout("node-6");
        c.injectSuspect(0, "node-6", before, "node-2");
        assertThat(c.await(within(10), () -> seen.contains(MemberEvent.Type.SUSPECT) && c.incarnation(5) > before))
                .as("%s: the rumour spread and node-6 refuted it", run()).isTrue();
        c.pass(within(10));
        assertThat(seen).as("refuted before anyone declared node-6 dead").doesNotContain(MemberEvent.Type.DEAD);
        assertThat(everyLiveNodeSees(c, "node-6", MemberState.ALIVE)).isTrue();
    }

    @Test
    void aOneWayCutIsBridgedByIndirectProbes() throws Exception {
        ClusterDriver c = started(10);
        List<MemberEvent.Type> deaths = Collections.synchronizedList(new ArrayList<>());
        c.addListener((observer, e) -> {
            if (e.type() == MemberEvent.Type.DEAD) {
                deaths.add(e.type());
            }
        });
        c.block(0, 5); // node-1 cannot reach node-6 directly; the others can
        c.pass(within(30));
        assertThat(deaths).as("%s: no member is declared dead over a cut link", run()).isEmpty();
    }
}
