package dev.muster.control;

import dev.muster.balance.BalancingStrategy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three and five replicas in this JVM over real sockets: election, failover, transfer, writes. */
class ControlPlaneTest {

    @TempDir
    Path dir;

    private static final Duration WAIT = Duration.ofSeconds(30);

    static LeaderInfo agreedLeader(TestCluster t) {
        Awaitility.await("every running node knows the same leader").atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    Optional<LeaderInfo> first = Optional.empty();
                    for (int i = 1; i <= t.size(); i++) {
                        if (!t.running(i)) {
                            continue;
                        }
                        Optional<LeaderInfo> l = t.leaderSeenBy(i);
                        if (l.isEmpty() || first.isPresent() && !first.equals(l)) {
                            return false;
                        }
                        first = l;
                    }
                    return first.isPresent();
                });
        for (int i = 1; i <= t.size(); i++) {
            if (t.running(i)) {
                return t.leaderSeenBy(i).orElseThrow();
            }
        }
        throw new AssertionError("no node runs");
    }

    @Test
    void threeReplicasElectOneLeaderAndEveryNodeKnowsIt() throws Exception {
        try (TestCluster t = TestCluster.start("ctl-three", 4, 3, dir)) {
            LeaderInfo l = agreedLeader(t);
            assertThat(TestCluster.index(l.name())).as("the leader is one of the first three nodes").isBetween(1, 3);
            assertThat(t.control(4).role("node-4")).isEqualTo(Role.WORKER);
            assertThat(t.control(4).role(l.name())).isEqualTo(Role.LEADER);
            Awaitility.await("the worker sees the voters the leader publishes").atMost(WAIT)
                    .until(() -> t.control(4).health().healthy());
            assertThat(t.control(4).health().replicas()).containsExactly("node-1", "node-2", "node-3");

            WriteResult w = t.control(4).write(new Mutation.SetStrategy(BalancingStrategy.LEAST_LOADED));
            assertThat(w.duplicate()).isFalse();
            assertThat(t.control(2).readLinearizable().strategy()).isEqualTo(BalancingStrategy.LEAST_LOADED);
            for (int i = 1; i <= 3; i++) {
                ControlPlane c = t.control(i);
                Awaitility.await().atMost(WAIT).until(() -> c.state().version() >= w.version());
                assertThat(c.state().strategy()).isEqualTo(BalancingStrategy.LEAST_LOADED);
            }
            Awaitility.await("the worker's cached copy catches up").atMost(WAIT)
                    .until(() -> t.control(4).state().version() >= w.version());
        }
    }

    @Test
    void killingTheLeaderElectsANewOneAndWritesGoOn() throws Exception {
        try (TestCluster t = TestCluster.start("ctl-kill", 3, 3, dir)) {
            LeaderInfo first = agreedLeader(t);
            t.control(1).write("agent-1", new Mutation.Assign("agent-1", "node-1"));
            t.kill(TestCluster.index(first.name()));
            LeaderInfo second = agreedLeader(t);
            assertThat(second.name()).isNotEqualTo(first.name());
            assertThat(second.term()).isGreaterThan(first.term());
            int survivor = t.running(1) ? 1 : 2;
            t.control(survivor).write(new Mutation.SetNodeStatus("node-" + survivor, NodeStatus.DRAINING));
            ControlState s = t.control(survivor).readLinearizable();
            assertThat(s.assignments()).containsEntry("agent-1", "node-1");
            assertThat(s.status("node-" + survivor)).isEqualTo(NodeStatus.DRAINING);
        }
    }

    @Test
    void leadershipMovesOnRequestAndBadRequestsChangeNothing() throws Exception {
        try (TestCluster t = TestCluster.start("ctl-transfer", 4, 3, dir)) {
            LeaderInfo first = agreedLeader(t);
            String target = first.name().equals("node-2") ? "node-3" : "node-2";
            LeaderInfo moved = t.control(4).transferLeadership(target, Duration.ofSeconds(10));
            assertThat(moved.name()).isEqualTo(target);
            assertThat(agreedLeader(t).name()).isEqualTo(target);

            long version = t.control(1).readLinearizable().version();
            assertThatThrownBy(() -> t.control(1).transferLeadership("node-9", Duration.ofSeconds(5)))
                    .isInstanceOf(ControlException.class).hasMessageContaining("no member named 'node-9'");
            assertThatThrownBy(() -> t.control(1).transferLeadership("node-4", Duration.ofSeconds(5)))
                    .isInstanceOf(ControlException.class).hasMessageContaining("node-4 is a worker, not a replica");
            assertThatThrownBy(() -> t.control(1).write(new Mutation.SetNodeStatus("node-9", NodeStatus.DRAINING)))
                    .isInstanceOf(ControlException.class).hasMessageStartingWith("no member named 'node-9'")
                    .extracting(e -> ((ControlException) e).reason()).isEqualTo(ControlException.Reason.REJECTED);
            assertThatThrownBy(() -> BalancingStrategy.parse("fastest"))
                    .hasMessageContaining("strategy 'fastest' does not exist; use one of round-robin, least-loaded");
            assertThatThrownBy(() -> ((RaftControlPlane) t.control(4)).writeAs("intruder", "m-x",
                    new Mutation.SetStrategy(BalancingStrategy.RANDOM)))
                    .isInstanceOf(ControlException.class)
                    .hasMessageContaining("writer 'intruder' is not an alive member of this cluster");
            assertThat(t.control(1).readLinearizable().version()).as("refused writes change nothing").isEqualTo(version);
            assertThat(t.control(1).readLinearizable().strategy()).isEqualTo(BalancingStrategy.ROUND_ROBIN);
        }
    }

    @Test
    void aRetriedMutationIdAppliesOnce() throws Exception {
        try (TestCluster t = TestCluster.start("ctl-dedup", 3, 3, dir)) {
            agreedLeader(t);
            WriteResult a = t.control(2).write("m-1", new Mutation.Assign("a", "node-1"));
            WriteResult b = t.control(3).write("m-1", new Mutation.Assign("a", "node-1"));
            assertThat(b.duplicate()).isTrue();
            assertThat(b.version()).isEqualTo(a.version());
            assertThat(t.control(1).readLinearizable().version()).isEqualTo(a.version());
        }
    }
}
