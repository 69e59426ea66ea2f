package dev.muster.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.Metadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The five strategies and their filters, on hand-made tables. */
class BalancerTest {

    /** A node: name, cpu, memory, agents/max, services, state. */
    private static Member node(String name, double cpu, double mem, int agents, int max, String services, MemberState state) {
        NodeLoad load = new NodeLoad(cpu, mem, 0.1, 0.2, agents, max,
                services.isEmpty() ? Set.of() : Set.of(services.split(",")));
        return new Member(name, new Address("127.0.0.1", 7000), 1, state, load.mergeInto(Metadata.EMPTY));
    }

    private static Member node(String name, double cpu, double mem, int agents, int max, String services) {
        return node(name, cpu, mem, agents, max, services, MemberState.ALIVE);
    }

    private static final List<Member> FOUR = List.of(
            node("a", 0.90, 0.50, 1, 10, "web"),
            node("b", 0.10, 0.20, 5, 10, "web,db"),
            node("c", 0.20, 0.10, 2, 4, "db"),
            node("d", 0.05, 0.05, 0, 8, "web"));

    private static String pick(BalancingStrategy s, List<Member> members, String service) {
        LoadTable t = LoadTable.of(members, n -> true);
        int i = Balancer.of(s).select(t, t.serviceMask(service), new SplittableRandom(1));
        return i < 0 ? null : t.name(i);
    }

    @Test
    void eachStrategyPicksWhatItPromises() {
        record Row(BalancingStrategy strategy, String service, String expected) {}
        List<Row> rows = List.of(
                new Row(BalancingStrategy.LEAST_LOADED, null, "d"),
                new Row(BalancingStrategy.LEAST_LOADED, "db", "b"),
                new Row(BalancingStrategy.LEAST_AGENTS, null, "d"),
                new Row(BalancingStrategy.LEAST_AGENTS, "db", "c"),
                new Row(BalancingStrategy.ROUND_ROBIN, null, "a"),
                new Row(BalancingStrategy.ROUND_ROBIN, "db", "b"),
                new Row(BalancingStrategy.LEAST_AGENTS, "mail", null));
        // least-loaded for db: b scores 0.4*0.1 + 0.3*0.2 + 0.3*5/10 = 0.25, c 0.4*0.2 + 0.3*0.1 + 0.3*2/4 = 0.26
        for (Row r : rows) {
            assertThat(pick(r.strategy, FOUR, r.service)).as("%s for %s", r.strategy, r.service).isEqualTo(r.expected);
        }
    }

    @Test
    void drainingFullDeadAndUnreportedNodesAreSkippedOrLast() {
        List<Member> members = List.of(
                node("full", 0.0, 0.0, 4, 4, "web"),
                node("dead", 0.0, 0.0, 0, 4, "web", MemberState.DEAD),
                node("draining", 0.0, 0.0, 0, 4, "web"),
                node("busy", 0.8, 0.8, 3, 4, "web"),
                new Member("silent", new Address("127.0.0.1", 1), 1, MemberState.ALIVE,
                        Metadata.of(Map.of("max-agents", "4", "services", "web"))));
        LoadTable t = LoadTable.of(members, n -> !n.equals("draining"));
        assertThat(t.eligibleNames(t.serviceMask("web"))).containsExactly("busy", "silent");
        for (BalancingStrategy s : BalancingStrategy.values()) {
            int i = Balancer.of(s).select(t, t.serviceMask("web"), new SplittableRandom(3));
            assertThat(t.name(i)).as("%s", s).isIn("busy", "silent");
        }
        int i = Balancer.of(BalancingStrategy.LEAST_LOADED).select(t, 0, new SplittableRandom(3));
        assertThat(t.name(i)).as("a node that reported nothing comes after a busy one that did").isEqualTo("busy");
    }

    @Test
    void roundRobinVisitsEveryEligibleNodeOncePerTurn() {
        LoadTable t = LoadTable.of(FOUR, n -> true);
        Balancer rr = Balancer.of(BalancingStrategy.ROUND_ROBIN);
        List<String> seen = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            seen.add(t.name(rr.select(t, t.serviceMask("web"), null)));
        }
        assertThat(seen).containsExactly("a", "b", "d", "a", "b", "d", "a", "b");
    }

    @Test
    void placedAgentsSpreadABurstBeforeReportsCatchUp() {
        LoadTable t = LoadTable.of(List.of(node("x", 0.1, 0.1, 0, 3, ""), node("y", 0.1, 0.1, 0, 3, "")), n -> true);
        Balancer b = Balancer.of(BalancingStrategy.LEAST_AGENTS);
        List<String> seen = new ArrayList<>();
        int i;
        while ((i = b.select(t, 0, null)) >= 0) {
            seen.add(t.name(i));
            t.placed(i);
        }
        assertThat(seen).containsExactly("x", "y", "x", "y", "x", "y");
    }

    @Test
    void weightedFollowsFreeSlotsAndRandomIsUniform() {
        LoadTable t = LoadTable.of(List.of(node("small", 0, 0, 0, 1, ""), node("big", 0, 0, 0, 3, "")), n -> true);
        SplittableRandom r = new SplittableRandom(42);
        Map<String, Integer> weighted = new HashMap<>();
        Map<String, Integer> uniform = new HashMap<>();
        for (int k = 0; k < 40_000; k++) {
            weighted.merge(t.name(Balancer.of(BalancingStrategy.WEIGHTED).select(t, 0, r)), 1, Integer::sum);
            uniform.merge(t.name(Balancer.of(BalancingStrategy.RANDOM).select(t, 0, r)), 1, Integer::sum);
        }
        assertThat(weighted.get("big") / (double) weighted.get("small")).as("3 free slots against 1").isBetween(2.8, 3.2);
        assertThat(uniform.get("big") / (double) uniform.get("small")).isBetween(0.95, 1.05);
    }

    @Property(tries = 300)
    void aSelectionIsEligibleAndNoneOnlyWhenNothingIs(@ForAll @Size(max = 40) List<@IntRange(max = 5) Integer> agents,
                                                      @ForAll @IntRange(max = 4) int strategy, @ForAll long seed) {
        List<Member> members = new ArrayList<>();
        for (int k = 0; k < agents.size(); k++) {
            members.add(node("n" + k, (k % 7) / 7.0, (k % 5) / 5.0, agents.get(k), 4, k % 3 == 0 ? "web" : "db"));
        }
        LoadTable t = LoadTable.of(members, n -> !n.endsWith("7"));
        long mask = t.serviceMask("web");
        int i = Balancer.of(BalancingStrategy.values()[strategy]).select(t, mask, new SplittableRandom(seed));
        if (i >= 0) {
            assertThat(t.eligible(i, mask)).isTrue();
        } else {
            assertThat(t.eligibleNames(mask)).isEmpty();
        }
    }

    @Test
    void loadFiguresRoundTripThroughMetadataAndBadValuesReadAsUnknown() {
        NodeLoad l = new NodeLoad(0.25, 0.5, 0.75, 1.5, 3, 8, Set.of("web", "db"));
        assertThat(NodeLoad.fromMetadata(l.mergeInto(Metadata.EMPTY))).isEqualTo(l);
        NodeLoad bad = NodeLoad.fromMetadata(Metadata.of(Map.of("cpu", "lots", "mem", "NaN", "agents", "-3",
                "max-agents", "99999999999", "services", "ok, not ok,,x")));
        assertThat(bad.cpu()).isEqualTo(-1);
        assertThat(bad.memory()).isEqualTo(-1);
        assertThat(bad.agents()).isZero();
        assertThat(bad.maxAgents()).isZero();
        assertThat(bad.services()).containsExactly("ok", "x");
        assertThatThrownBy(() -> new NodeLoad(0, 0, 0, 0, -1, 1, Set.of())).hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> new NodeLoad(0, 0, 0, 0, 0, 1, Set.of("a b")))
                .hasMessageContaining("service name 'a b' must be 1 to 64 characters");
    }
}
