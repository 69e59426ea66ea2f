package dev.muster.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.Metadata;
import dev.muster.balance.BalancingStrategy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The pure parts of agent placement: the state transitions every replica applies, and the
 * coordinator's decisions. Runs without Raft, sockets or threads.
 */
class PlacementLogicTest {

    private static Member member(String name, MemberState state, int maxAgents, String services) {
        Map<String, String> meta = new HashMap<>();
        meta.put("max-agents", Integer.toString(maxAgents));
        if (!services.isEmpty()) {
            meta.put("services", services);
        }
        return new Member(name, new Address("127.0.0.1", 7000 + Claims.index(name)), 1, state, Metadata.of(meta));
    }

    private static ControlState apply(ControlState s, String origin, Mutation m) {
        return Transitions.apply(s, Transitions.command("id", origin, m));
    }

    private static ControlState submit(ControlState s, String id, AgentSpec spec) {
        return apply(s, "node-1", new Mutation.SubmitAgent(id, spec));
    }

    @Test
    void aPlacementDecidedOnAnOlderEpochIsSkipped() {
        ControlState s = submit(ControlState.INITIAL, "a", AgentSpec.of("counter"));
        ControlState placed = apply(s, "node-1", new Mutation.PlaceAgents(List.of(new Mutation.Placement("a", "node-2", 0))));
        assertThat(placed.agent("a").orElseThrow().node()).isEqualTo("node-2");
        assertThat(placed.agent("a").orElseThrow().epoch()).isEqualTo(1);
        // a deposed leader decided on epoch 0 as well: its write changes nothing
        ControlState stale = apply(placed, "node-3",
                new Mutation.PlaceAgents(List.of(new Mutation.Placement("a", "node-3", 0))));
        assertThat(stale).isSameAs(placed);
    }

    @Test
    void reportsCountOnlyFromTheNodeAndEpochOfThePlacement() {
        ControlState s = submit(ControlState.INITIAL, "a", AgentSpec.of("counter"));
        s = apply(s, "node-1", new Mutation.PlaceAgents(List.of(new Mutation.Placement("a", "node-2", 0))));
        Mutation running = new Mutation.ReportAgents(List.of(new Mutation.Report("a", 1, AgentPhase.RUNNING, "")));
        assertThat(apply(s, "node-3", running)).as("another node's report").isSameAs(s);
        Mutation old = new Mutation.ReportAgents(List.of(new Mutation.Report("a", 0, AgentPhase.RUNNING, "")));
        assertThat(apply(s, "node-2", old)).as("an old epoch's report").isSameAs(s);
        assertThat(apply(s, "node-2", running).agent("a").orElseThrow().phase()).isEqualTo(AgentPhase.RUNNING);
    }

    @Test
    void aMigrationMovesTheAgentOnlyWhenItsNodeHandsItOver() {
        ControlState s = submit(ControlState.INITIAL, "a", AgentSpec.of("counter"));
        s = apply(s, "node-1", new Mutation.PlaceAgents(List.of(new Mutation.Placement("a", "node-2", 0))));
        ControlState m = apply(s, "node-1", new Mutation.MigrateAgent("a", "node-3"));
        assertThat(m.agent("a").orElseThrow().phase()).isEqualTo(AgentPhase.MIGRATING);
        assertThat(m.agent("a").orElseThrow().node()).as("still on its node until handed over").isEqualTo("node-2");
        ControlState finalM = m;
        assertThatThrownBy(() -> apply(finalM, "node-3", new Mutation.HandOff("a", 1, new byte[] {1})))
                .hasMessageContaining("stale hand-off");
        ControlState moved = apply(m, "node-2", new Mutation.HandOff("a", 1, new byte[] {7, 8}));
        AgentInfo a = moved.agent("a").orElseThrow();
        assertThat(a.node()).isEqualTo("node-3");
        assertThat(a.epoch()).isEqualTo(2);
        assertThat(a.snapshot()).containsExactly(7, 8);
        assertThat(a.phase()).isEqualTo(AgentPhase.ASSIGNED);
    }

    @Test
    void refusedCommandsNameTheRule() {
        ControlState s = submit(ControlState.INITIAL, "a", AgentSpec.of("counter"));
        assertThatThrownBy(() -> submit(s, "a", AgentSpec.of("counter"))).hasMessageContaining("agent 'a' exists");
        assertThatThrownBy(() -> apply(s, "node-1", new Mutation.MigrateAgent("a", "node-2")))
                .hasMessageContaining("only a placed agent");
        assertThatThrownBy(() -> new AgentSpec("bad type", null, List.of())).hasMessageContaining("agent type name 'bad type'");
        assertThatThrownBy(() -> new Mutation.HandOff("a", 1, new byte[AgentInfo.MAX_SNAPSHOT_BYTES + 1]))
                .hasMessageContaining("at most " + AgentInfo.MAX_SNAPSHOT_BYTES);
    }

    @Test
    void theStateSurvivesItsProtobufForm() {
        ControlState s = submit(ControlState.INITIAL, "a", new AgentSpec("command", "batch", List.of("sleep", "5")));
        s = apply(s, "node-1", new Mutation.PlaceAgents(List.of(new Mutation.Placement("a", "node-2", 0))));
        s = apply(s, "node-1", new Mutation.Assign("bare", "node-4"));
        ControlState back = Transitions.fromProto(Transitions.toProto(s));
        assertThat(back.agents().keySet()).containsExactly("a", "bare");
        assertThat(back.agent("a").orElseThrow().spec()).isEqualTo(s.agent("a").orElseThrow().spec());
        assertThat(back.agent("bare").orElseThrow().spec()).isNull();
        assertThat(back.assignments()).containsEntry("a", "node-2").containsEntry("bare", "node-4");
        assertThat(back.version()).isEqualTo(s.version());
    }

    @Test
    void theCoordinatorPlacesOnlyWhereServiceAndCapacityAllowAndKeepsTheRestPending() {
        ControlState s = ControlState.INITIAL;
        for (int k = 0; k < 5; k++) {
            s = submit(s, "w" + k, AgentSpec.of("counter").onService("web"));
        }
        List<Member> members = List.of(member("node-1", MemberState.ALIVE, 10, ""),
                member("node-2", MemberState.ALIVE, 2, "web"), member("node-3", MemberState.ALIVE, 1, "web,db"));
        Coordinator.Plan plan = new Coordinator(new Random(1)).plan(s, members, 0);
        assertThat(plan.placements()).hasSize(3);
        assertThat(plan.placements()).extracting(Mutation.Placement::node).containsOnly("node-2", "node-3");
        assertThat(plan.placements().stream().filter(p -> p.node().equals("node-2"))).hasSize(2);
    }

    @Test
    void orphansOfADeadNodeMoveAndSuspectNodesKeepTheirs() {
        ControlState s = ControlState.INITIAL;
        s = submit(s, "a", AgentSpec.of("counter"));
        s = submit(s, "b", AgentSpec.of("counter"));
        s = apply(s, "node-1", new Mutation.PlaceAgents(List.of(new Mutation.Placement("a", "node-2", 0),
                new Mutation.Placement("b", "node-3", 0))));
        List<Member> members = List.of(member("node-1", MemberState.ALIVE, 10, ""),
                member("node-2", MemberState.DEAD, 10, ""), member("node-3", MemberState.SUSPECT, 10, ""));
        Coordinator.Plan plan = new Coordinator(new Random(1)).plan(s, members, 0);
        assertThat(plan.placements()).containsExactly(new Mutation.Placement("a", "node-1", 1));
    }

    @Test
    void anOrphanNoNodeCanTakeBecomesPending() {
        ControlState s = submit(ControlState.INITIAL, "a", AgentSpec.of("counter"));
        s = apply(s, "node-1", new Mutation.PlaceAgents(List.of(new Mutation.Placement("a", "node-2", 0))));
        List<Member> members = List.of(member("node-1", MemberState.ALIVE, 0, ""), member("node-2", MemberState.LEFT, 10, ""));
        Coordinator.Plan plan = new Coordinator(new Random(1)).plan(s, members, 0);
        assertThat(plan.placements()).containsExactly(new Mutation.Placement("a", "", 1));
        ControlState pending = apply(s, "node-1", new Mutation.PlaceAgents(plan.placements()));
        assertThat(pending.agent("a").orElseThrow().phase()).isEqualTo(AgentPhase.PENDING);
    }

    @Test
    void aDrainingNodesAgentsAreMigratedAndAnUnansweredMigrationIsForcedAfterTheTimeout() {
        ControlState s = submit(ControlState.INITIAL, "a", AgentSpec.of("counter"));
        s = apply(s, "node-1", new Mutation.PlaceAgents(List.of(new Mutation.Placement("a", "node-2", 0))));
        s = apply(s, "node-1", new Mutation.SetNodeStatus("node-2", NodeStatus.DRAINING));
        List<Member> members = List.of(member("node-1", MemberState.ALIVE, 10, ""), member("node-2", MemberState.ALIVE, 10, ""));
        Coordinator c = new Coordinator(new Random(1));
        Coordinator.Plan plan = c.plan(s, members, 0);
        assertThat(plan.migrations()).containsExactly(new Mutation.MigrateAgent("a", "node-1"));
        ControlState migrating = apply(s, "node-1", plan.migrations().get(0));
        assertThat(c.plan(migrating, members, 1).isEmpty()).as("the node has time to hand over").isTrue();
        Coordinator.Plan forced = c.plan(migrating, members, Coordinator.HAND_OFF_TIMEOUT_NANOS + 1);
        assertThat(forced.placements()).containsExactly(new Mutation.Placement("a", "node-1", 1));
    }

    /**
     * Whatever the coordinator decides over rounds of random deaths and submissions, applied in
     * order, never exceeds a node's capacity, never places on a dead node, and never loses an agent.
     */
    @Property(tries = 200)
    void roundsOfPlacementKeepCapacityAndLoseNothing(@ForAll @IntRange(min = 1, max = 10_000) int seed,
                                                     @ForAll @IntRange(min = 1, max = 40) int agents) {
        Random random = new Random(seed);
        BalancingStrategy strategy = BalancingStrategy.values()[random.nextInt(BalancingStrategy.values().length)];
        ControlState s = apply(ControlState.INITIAL, "node-1", new Mutation.SetStrategy(strategy));
        Coordinator c = new Coordinator(new Random(seed));
        int[] capacity = new int[6];
        List<MemberState> states = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            capacity[i] = random.nextInt(8);
            states.add(MemberState.ALIVE);
        }
        for (int k = 0; k < agents; k++) {
            s = submit(s, "a" + k, AgentSpec.of("counter"));
        }
        for (int round = 0; round < 10; round++) {
            if (random.nextInt(3) == 0) {
                int i = random.nextInt(5);
                states.set(i, states.get(i) == MemberState.ALIVE ? MemberState.DEAD : MemberState.ALIVE);
            }
            List<Member> members = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                members.add(member("node-" + i, states.get(i - 1), capacity[i], ""));
            }
            Coordinator.Plan plan = c.plan(s, members, round);
            if (!plan.placements().isEmpty()) {
                s = apply(s, "node-1", new Mutation.PlaceAgents(plan.placements()));
            }
            for (int i = 1; i <= 5; i++) {
                assertThat(s.agentsOn("node-" + i)).as("node-%d within capacity", i).isLessThanOrEqualTo(
                        Math.max(capacity[i], 0) + countOn(s, "node-" + i, states.get(i - 1)));
            }
            for (Mutation.Placement p : plan.placements()) {
                if (!p.node().isEmpty()) {
                    assertThat(states.get(Claims.index(p.node()) - 1)).isEqualTo(MemberState.ALIVE);
                }
            }
            assertThat(s.agents()).hasSize(agents);
        }
    }

    /** Agents left on a dead node until the coordinator moves them do not count against the limit. */
    private static int countOn(ControlState s, String node, MemberState state) {
        return state == MemberState.ALIVE ? 0 : s.agentsOn(node);
    }

}
