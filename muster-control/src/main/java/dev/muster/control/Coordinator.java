package dev.muster.control;

import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.balance.Balancer;
import dev.muster.balance.BalancingStrategy;
import dev.muster.balance.LoadTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Decides where agents go; runs on the leader only, against the leader's own copy of the state.
 * Pending agents are placed by the current strategy; agents of a node that is dead, leaving or
 * gone (orphans) are placed elsewhere, or made pending when no node can take them; agents of a
 * draining node are migrated away with their state. A migration whose old node died, or that
 * was not handed over within {@link #HAND_OFF_TIMEOUT_NANOS}, is placed on its target directly.
 *
 * <p>Every placement names the epoch it was decided on, so a decision taken on a stale state (a
 * deposed leader, a write racing a report) is skipped by the state machine: no agent is ever
 * placed twice. Capacity counts the placements in the replicated state, not the agents figure
 * nodes report, which lags. {@link #plan} is pure; the caller writes what it returns.
 */
final class Coordinator {

    /** How long a draining or migrating agent's node may take to hand it over before it is moved without its state. */
    static final long HAND_OFF_TIMEOUT_NANOS = 10_000_000_000L;

    /** The most placements one write carries. */
    static final int MAX_BATCH = 500;

    /** What one round decided. */
    record Plan(List<Mutation.Placement> placements, List<Mutation.MigrateAgent> migrations) {
        boolean isEmpty() {
            return placements.isEmpty() && migrations.isEmpty();
        }
    }

    private Balancer balancer = Balancer.of(BalancingStrategy.ROUND_ROBIN);
    private final RandomGenerator random;
    /** When this leader first saw each agent migrating. */
    private final Map<String, Long> migratingSince = new HashMap<>();

    Coordinator(RandomGenerator random) {
        this.random = random;
    }

    /** One round over state {@code s} and the membership list, at {@code nowNanos}. */
    Plan plan(ControlState s, List<Member> members, long nowNanos) {
        if (balancer.strategy() != s.strategy()) {
            balancer = Balancer.of(s.strategy()); // keeps its round-robin cursor until the strategy changes
        }
        Map<String, Member> byName = new HashMap<>();
        members.forEach(m -> byName.put(m.name(), m));
        LoadTable table = LoadTable.of(members, n -> s.status(n) == NodeStatus.ONLINE);
        Map<String, Integer> held = new HashMap<>();
        for (AgentInfo a : s.agents().values()) {
            if (a.placed()) {
                held.merge(a.node(), 1, Integer::sum);
            }
        }
        for (int i = 0; i < table.size(); i++) {
            table.agents(i, held.getOrDefault(table.name(i), 0));
        }
        List<Mutation.Placement> place = new ArrayList<>();
        List<Mutation.MigrateAgent> migrate = new ArrayList<>();
        migratingSince.keySet().removeIf(id -> s.agent(id).map(a -> a.phase() != AgentPhase.MIGRATING).orElse(true));
        for (AgentInfo a : s.agents().values()) {
            if (a.spec() == null || place.size() >= MAX_BATCH) {
                continue; // a bare placement: nobody runs it, so nothing moves it
            }
            boolean gone = a.placed() && gone(byName.get(a.node()));
            if (a.phase() == AgentPhase.MIGRATING) {
                long since = migratingSince.computeIfAbsent(a.id(), k -> nowNanos);
                if (gone || nowNanos - since >= HAND_OFF_TIMEOUT_NANOS) {
                    int target = table.indexOf(a.migrateTo());
                    if (target < 0 || !table.eligible(target, table.serviceMask(a.spec().service()))) {
                        target = choose(table, a);
                    }
                    place.add(placement(table, a, target));
                }
                continue;
            }
            if (!a.placed() || gone) {
                int target = choose(table, a);
                if (target >= 0 || a.placed()) {
                    place.add(placement(table, a, target));
                }
                continue;
            }
            if (s.status(a.node()) == NodeStatus.DRAINING && a.phase() != AgentPhase.FAILED) {
                int target = choose(table, a);
                if (target >= 0) {
                    table.placed(target);
                    migrate.add(new Mutation.MigrateAgent(a.id(), table.name(target)));
                }
            }
        }
        return new Plan(place, migrate);
    }

    private int choose(LoadTable table, AgentInfo a) {
        return balancer.select(table, table.serviceMask(a.spec().service()), random);
    }

    private static Mutation.Placement placement(LoadTable table, AgentInfo a, int target) {
        if (target < 0) {
            return new Mutation.Placement(a.id(), "", a.epoch());
        }
        table.placed(target);
        return new Mutation.Placement(a.id(), table.name(target), a.epoch());
    }

    /** Dead, leaving, left or no longer a member: its agents are orphans. Suspect nodes keep theirs. */
    static boolean gone(Member m) {
        return m == null || m.state() == MemberState.DEAD || m.state() == MemberState.LEFT
                || m.state() == MemberState.LEAVING;
    }
}
