package dev.muster.control;

import dev.muster.balance.BalancingStrategy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.Metadata;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pure rules: who leads by the claims, who forms the first group, who is promoted, roles. */
class ClaimsTest {

    private static Member member(String name, MemberState state, Map<String, String> meta) {
        return new Member(name, new Address("127.0.0.1", 7000 + Claims.index(name)), 1, state, Metadata.of(meta));
    }

    @Test
    void theHighestTermClaimWinsWhileItsLeaderIsAlive() {
        List<Member> members = List.of(
                member("node-1", MemberState.ALIVE, Map.of("leader", "3:node-1")),
                member("node-2", MemberState.ALIVE, Map.of("leader", "4:node-2")),
                member("node-3", MemberState.ALIVE, Map.of("leader", "4:node-2")));
        assertThat(Claims.leader(members)).contains(new LeaderInfo("node-2", 4));

        List<Member> leaderDead = List.of(
                member("node-1", MemberState.ALIVE, Map.of("leader", "4:node-2")),
                member("node-2", MemberState.DEAD, Map.of("leader", "4:node-2")));
        assertThat(Claims.leader(leaderDead)).as("a dead leader is no leader").isEmpty();

        List<Member> electing = List.of(
                member("node-1", MemberState.ALIVE, Map.of("leader", "5:")),
                member("node-2", MemberState.ALIVE, Map.of("leader", "4:node-2")));
        assertThat(Claims.leader(electing)).as("a newer term without a leader: an election").isEmpty();

        List<Member> garbage = List.of(member("node-1", MemberState.ALIVE, Map.of("leader", "x:node-1;drop")));
        assertThat(Claims.leader(garbage)).isEmpty();
    }

    @Test
    void theFirstGroupWaitsForExpectDesignatedReplicasAndTakesTheLowestIndexes() {
        Map<String, String> designated = Map.of("replica", "true", "raft", "127.0.0.1:1");
        List<Member> two = List.of(member("node-1", MemberState.ALIVE, designated), member("node-2", MemberState.ALIVE, designated));
        assertThat(Claims.bootstrapGroup(two, 3)).isEmpty();
        List<Member> four = List.of(member("node-10", MemberState.ALIVE, designated), member("node-2", MemberState.ALIVE, designated),
                member("node-1", MemberState.ALIVE, designated), member("node-3", MemberState.ALIVE, designated));
        assertThat(Claims.bootstrapGroup(four, 3).orElseThrow().keySet()).containsExactly("node-1", "node-2", "node-3");
        assertThat(Claims.groupExists(four)).isFalse();
        assertThat(Claims.groupExists(List.of(member("node-1", MemberState.ALIVE, Map.of("leader", "0:")))))
                .as("a claim without a leader is not yet a group").isFalse();
        assertThat(Claims.groupExists(List.of(member("node-1", MemberState.ALIVE, Map.of("leader", "1:node-1"))))).isTrue();
    }

    @Test
    void promotionPrefersDesignatedThenLowIndexAndSkipsDrainingNodes() {
        List<Member> members = List.of(
                member("node-1", MemberState.ALIVE, Map.of("raft", "a:1")),
                member("node-4", MemberState.ALIVE, Map.of("raft", "a:4")),
                member("node-5", MemberState.ALIVE, Map.of("raft", "a:5")),
                member("node-6", MemberState.ALIVE, Map.of("raft", "a:6", "replica", "true")),
                member("node-7", MemberState.ALIVE, Map.of()));
        ControlState s = new ControlState(BalancingStrategy.ROUND_ROBIN, Map.of("node-6", NodeStatus.DRAINING), Map.of(), 3);
        assertThat(Claims.candidate(members, List.of("node-1"), s).map(Member::name)).contains("node-4");
        assertThat(Claims.candidate(members, List.of("node-1"), ControlState.INITIAL).map(Member::name)).contains("node-6");
        assertThat(Claims.candidate(members.subList(0, 1), List.of("node-1"), s)).isEmpty();
    }

    @Test
    void rolesFollowLeaderVotersAndStatus() {
        Optional<LeaderInfo> l = Optional.of(new LeaderInfo("node-2", 7));
        ControlState s = new ControlState(BalancingStrategy.ROUND_ROBIN, Map.of("node-5", NodeStatus.STANDBY), Map.of(), 1);
        List<String> voters = List.of("node-1", "node-2", "node-3");
        assertThat(Claims.role("node-2", l, voters, s)).isEqualTo(Role.LEADER);
        assertThat(Claims.role("node-1", l, voters, s)).isEqualTo(Role.REPLICA);
        assertThat(Claims.role("node-4", l, voters, s)).isEqualTo(Role.WORKER);
        assertThat(Claims.role("node-5", l, voters, s)).isEqualTo(Role.STANDBY);
    }

    @Test
    void badSettingsAreNamedWithTheirValueAndRule() {
        assertThatThrownBy(() -> ControlConfig.builder().replicas(0).electionTimeoutMin(Duration.ofSeconds(1))
                .electionTimeoutMax(Duration.ofMillis(500)).port(70000).build())
                .hasMessageContaining("control.replicas (0) must be between 1 and 9")
                .hasMessageContaining("control.port (70000)")
                .hasMessageContaining("control.election-timeout-max (PT0.5S) must be longer than control.election-timeout-min (PT1S)");
        assertThatThrownBy(() -> NodeStatus.parse("asleep")).hasMessage("status 'asleep' cannot be set; use one of online, draining, standby");
        assertThat(BalancingStrategy.parse("least-agents")).isEqualTo(BalancingStrategy.LEAST_AGENTS);
        assertThatThrownBy(() -> new Mutation.Assign("bad name!", "node-1")).hasMessageContaining("agent name 'bad name!'");
    }
}
