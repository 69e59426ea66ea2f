package dev.muster.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.agents.Agent;
import dev.muster.agents.AgentContext;
import dev.muster.agents.AgentTypes;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agents on real in-JVM nodes: placement within capacity, pending until capacity appears,
 * orphans re-placed when their node dies, migration and draining with state, and leader crashes
 * during placement. A ledger agent records where each agent runs; starting an agent that already
 * runs somewhere is a violation, so duplicates are caught when they happen, not only at the end.
 */
class AgentsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** Where each agent runs now, and every start that found it running elsewhere. */
    static final class Ledger {
        final Map<String, String> running = new ConcurrentHashMap<>();
        final List<String> violations = Collections.synchronizedList(new ArrayList<>());

        AgentTypes types() {
            return AgentTypes.builtIn().with("ledger", () -> new LedgerAgent(this));
        }
    }

    /** Records its starts and stops in the ledger; its state is one number. */
    static final class LedgerAgent implements Agent {
        private final Ledger ledger;
        private String id;
        private String node;
        volatile long value;

        LedgerAgent(Ledger ledger) {
            this.ledger = ledger;
        }

        @Override
        public void start(AgentContext context) {
            id = context.id();
            node = context.node();
            value = context.restored().length == 8 ? ByteBuffer.wrap(context.restored()).getLong() : 0;
            String before = ledger.running.putIfAbsent(id, node);
            if (before != null) {
                ledger.violations.add(id + " started on " + node + " while it runs on " + before);
            }
        }

        @Override
        public void stop() {
            ledger.running.remove(id, node);
        }

        @Override
        public byte[] snapshot() {
            return ByteBuffer.allocate(8).putLong(value).array();
        }
    }

    private static AgentSpec ledgerSpec() {
        return AgentSpec.of("ledger");
    }

    private static int anyRunning(TestCluster t) {
        for (int i = 1; i <= t.size(); i++) {
            if (t.running(i)) {
                return i;
            }
        }
        throw new IllegalStateException("no node runs");
    }

    /** The leader's current state, read through any running node. */
    private static ControlState state(TestCluster t) {
        return t.control(anyRunning(t)).readLinearizable();
    }

    /** Waits until every id runs exactly where the state places it, on a running node. */
    private static void awaitRunning(TestCluster t, Ledger ledger, Set<String> ids) {
        java.util.concurrent.atomic.AtomicReference<String> last = new java.util.concurrent.atomic.AtomicReference<>("");
        try {
            Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
                ControlState s = state(t);
                for (String id : ids) {
                    AgentInfo a = s.agents().get(id);
                    if (a == null || a.phase() != AgentPhase.RUNNING || !t.running(TestCluster.index(a.node()))
                            || !a.node().equals(ledger.running.get(id))) {
                        String local = a == null || !a.placed() || !t.running(TestCluster.index(a.node())) ? "-"
                                : t.agents(TestCluster.index(a.node())).agents().toString();
                        last.set(id + " is " + a + " in the state, and runs on " + ledger.running.get(id)
                                + "; its node's runtime has " + local);
                        return false;
                    }
                }
                return true;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("not every agent runs where it is placed; the last one seen: " + last.get(), e);
        }
    }

    /**
     * Waits for a leader, and until every running node sees every running node alive with its
     * capacity: placement follows what the leader sees, and a test that counts where agents went
     * must not race the gossip of a node's {@code max-agents}.
     */
    private static void awaitLeader(TestCluster t) throws InterruptedException {
        assertThat(t.control(anyRunning(t)).awaitLeader(WAIT)).isPresent();
        Awaitility.await("every node sees every node's capacity").atMost(WAIT).until(() -> {
            for (int i = 1; i <= t.size(); i++) {
                if (!t.running(i)) {
                    continue;
                }
                for (int j = 1; j <= t.size(); j++) {
                    boolean seen = t.cluster(i).member("node-" + j)
                            .filter(m -> m.state() == dev.muster.MemberState.ALIVE)
                            .map(m -> m.metadata().get(dev.muster.balance.NodeLoad.MAX_AGENTS) != null).orElse(false);
                    if (t.running(j) && !seen) {
                        return false;
                    }
                }
            }
            return true;
        });
    }

    @Test
    void placesWithinCapacityKeepsTheRestPendingAndPlacesThemWhenCapacityAppears() throws Exception {
        Ledger ledger = new Ledger();
        try (TestCluster t = new TestCluster("agents-cap", 4, 3, dir).withAgents(ledger.types(), 3)) {
            for (int i = 1; i <= 3; i++) {
                t.start(i);
            }
            awaitLeader(t);
            Set<String> ids = new TreeSet<>();
            for (int k = 0; k < 11; k++) {
                ids.add("a-" + k);
                t.control(1 + k % 3).agents().submit("a-" + k, ledgerSpec());
            }
            Awaitility.await("nine run, two pend").atMost(WAIT).ignoreExceptions().until(() -> {
                ControlState s = state(t);
                return s.agents().values().stream().filter(a -> a.phase() == AgentPhase.RUNNING).count() == 9
                        && s.agents().values().stream().filter(a -> a.phase() == AgentPhase.PENDING).count() == 2;
            });
            ControlState s = state(t);
            for (int i = 1; i <= 3; i++) {
                assertThat(s.agentsOn("node-" + i)).as("node-%d holds its capacity", i).isEqualTo(3);
            }
            t.start(4);
            awaitLeader(t);
            awaitRunning(t, ledger, ids);
            assertThat(state(t).agentsOn("node-4")).isEqualTo(2);
            assertThat(ledger.violations).isEmpty();

            t.control(2).agents().stop("a-0");
            Awaitility.await("a stopped agent stops").atMost(WAIT).until(() -> !ledger.running.containsKey("a-0"));
            assertThat(state(t).agent("a-0")).isEmpty();
            assertThatThrownBy(() -> t.control(2).agents().stop("a-0")).isInstanceOf(ControlException.class)
                    .hasMessageContaining("no agent 'a-0'");
            assertThatThrownBy(() -> t.control(2).agents().submit("a-1", ledgerSpec()))
                    .isInstanceOf(ControlException.class).hasMessageContaining("agent 'a-1' exists");
        }
    }

    @Test
    void anAgentOfAnUnknownTypeFailsVisiblyWithTheReason() throws Exception {
        Ledger ledger = new Ledger();
        try (TestCluster t = new TestCluster("agents-type", 1, 1, dir).withAgents(ledger.types(), 4).startAll()) {
            awaitLeader(t);
            t.control(1).agents().submit("x", AgentSpec.of("no-such-type"));
            Awaitility.await().atMost(WAIT).until(() -> t.control(1).state().agent("x")
                    .map(a -> a.phase() == AgentPhase.FAILED).orElse(false));
            assertThat(t.control(1).state().agent("x").orElseThrow().message())
                    .contains("node-1 has no agent type 'no-such-type'").contains("ledger");
        }
    }

    @Test
    void orphansRunElsewhereOnceTheirNodeIsDead() throws Exception {
        Ledger ledger = new Ledger();
        try (TestCluster t = new TestCluster("agents-orphans", 5, 3, dir).withAgents(ledger.types(), 20).startAll()) {
            awaitLeader(t);
            Set<String> ids = new TreeSet<>();
            for (int k = 0; k < 20; k++) {
                ids.add("job-" + k);
                t.control(5).agents().submit("job-" + k, ledgerSpec());
            }
            awaitRunning(t, ledger, ids);
            assertThat(state(t).agentsOn("node-5")).as("round-robin put some on node-5").isPositive();
            t.kill(5);
            awaitRunning(t, ledger, ids);
            assertThat(state(t).agentsOn("node-5")).isZero();
            assertThat(ledger.violations).isEmpty();
        }
    }

    @Test
    void migrationAndDrainingMoveAgentsWithTheirState() throws Exception {
        Ledger ledger = new Ledger();
        try (TestCluster t = new TestCluster("agents-move", 4, 3, dir).withAgents(ledger.types(), 10).startAll()) {
            awaitLeader(t);
            t.control(1).agents().submit("m", ledgerSpec());
            awaitRunning(t, ledger, Set.of("m"));
            int from = TestCluster.index(state(t).agent("m").orElseThrow().node());
            ((LedgerAgent) t.agents(from).instance("m").orElseThrow()).value = 42;
            int to = from % 4 + 1;
            t.control(1).agents().migrate("m", "node-" + to);
            Awaitility.await("m runs on node-" + to).atMost(WAIT).until(() -> ("node-" + to).equals(ledger.running.get("m"))
                    && t.agents(to).instance("m").isPresent());
            assertThat(((LedgerAgent) t.agents(to).instance("m").orElseThrow()).value).as("the state came along")
                    .isEqualTo(42);
            awaitRunning(t, ledger, Set.of("m"));
            assertThatThrownBy(() -> t.control(1).agents().migrate("m", "node-" + to))
                    .isInstanceOf(ControlException.class).hasMessageContaining("is on node-" + to + " already");

            ((LedgerAgent) t.agents(to).instance("m").orElseThrow()).value = 7;
            t.control(1).write(new Mutation.SetNodeStatus("node-" + to, NodeStatus.DRAINING));
            Awaitility.await("m leaves the draining node").atMost(WAIT).until(() -> {
                String at = ledger.running.get("m");
                return at != null && !at.equals("node-" + to);
            });
            int now = TestCluster.index(ledger.running.get("m"));
            Awaitility.await().atMost(WAIT).until(() -> t.agents(now).instance("m").isPresent());
            assertThat(((LedgerAgent) t.agents(now).instance("m").orElseThrow()).value).isEqualTo(7);
            assertThat(ledger.violations).isEmpty();
        }
    }

    /**
     * Twenty rounds on one cluster: agents are submitted from a random node while the leader is
     * killed at a random moment; every acknowledged agent must end up running exactly once, and
     * no start may ever find it running elsewhere. The killed node comes back for the next round.
     */
    @Test
    void killingTheLeaderDuringPlacementLosesAndDuplicatesNothing() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        System.out.println("AgentsTest leader-kill seed " + seed);
        Ledger ledger = new Ledger();
        try (TestCluster t = new TestCluster("agents-chaos", 5, 3, dir).withAgents(ledger.types(), 100).startAll()) {
            awaitLeader(t);
            Set<String> acknowledged = new TreeSet<>();
            for (int round = 0; round < 20; round++) {
                String leader = t.control(anyRunning(t)).awaitLeader(WAIT).orElseThrow().name();
                int victim = TestCluster.index(leader);
                List<Integer> writers = new ArrayList<>();
                for (int i = 1; i <= 5; i++) {
                    if (i != victim && t.running(i)) {
                        writers.add(i);
                    }
                }
                int writer = writers.get(random.nextInt(writers.size()));
                int killAfter = random.nextInt(6);
                for (int k = 0; k < 6; k++) {
                    if (k == killAfter) {
                        t.kill(victim);
                    }
                    String id = "r" + round + "-" + k;
                    submitAcknowledged(t.control(writer), id);
                    acknowledged.add(id);
                }
                awaitRunning(t, ledger, acknowledged);
                assertThat(ledger.violations).as("seed %d, round %d", seed, round).isEmpty();
                t.start(victim);
            }
            ControlState s = state(t);
            assertThat(s.agents().keySet()).as("seed %d: nothing lost, nothing extra", seed).isEqualTo(acknowledged);
            assertThat(ledger.running.keySet()).isEqualTo(acknowledged);
        }
    }

    /** Submits until the cluster answers: a retry with the same mutation id applies once. */
    private static void submitAcknowledged(ControlPlane control, String id) {
        String mutation = "submit-" + id;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                control.write(mutation, new Mutation.SubmitAgent(id, ledgerSpec()));
                return;
            } catch (ControlException e) {
                if (e.reason() != ControlException.Reason.UNAVAILABLE || System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

}
