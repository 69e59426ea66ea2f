package dev.muster.control;

import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.Metadata;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the control plane publishes in membership metadata, and what every node reads back from
 * it: pure functions of the member list, so they are table-tested without Raft.
 *
 * <ul>
 *   <li>{@value #RAFT}: {@code host:port} of the node's Raft server; every node that runs a
 *       control plane publishes it, so the leader can promote it;</li>
 *   <li>{@value #LEADER}: {@code term:name} on each running replica, the leader it knows in its
 *       current term ({@code term:} while it knows none);</li>
 *   <li>{@value #VOTERS}: on each running replica, the group's voters as it knows them (the
 *       leader's list wins where they differ);</li>
 *   <li>{@value #PROMOTE}: on the leader, the node it is adding;</li>
 *   <li>{@value #DESIGNATED}: {@code true} on nodes that are replicas by configuration or by the
 *       local-cluster rule, which form the first group.</li>
 * </ul>
 *
 * <p>The leader every node reports is the one named with the highest term among alive members'
 * claims, and only while that leader is alive itself: Raft allows one leader per term, so the
 * highest term wins, and a dead leader is no leader.
 */
final class Claims {

    static final String RAFT = "raft";
    static final String LEADER = "leader";
    static final String VOTERS = "voters";
    static final String PROMOTE = "promote";
    static final String DESIGNATED = "replica";

    private static final Pattern CLAIM = Pattern.compile("(\\d{1,18}):([A-Za-z0-9._-]{0,128})");
    private static final Pattern INDEXED = Pattern.compile(".*?-(\\d{1,9})");

    private Claims() {}

    /** A parsed {@value #LEADER} entry. */
    record Claim(long term, String leader) {}

    static Optional<Claim> claim(Metadata m) {
        String v = m.get(LEADER);
        if (v == null) {
            return Optional.empty();
        }
        Matcher x = CLAIM.matcher(v);
        return x.matches() ? Optional.of(new Claim(Long.parseLong(x.group(1)), x.group(2))) : Optional.empty();
    }

    static String claimText(long term, String leader) {
        return term + ":" + (leader == null ? "" : leader);
    }

    /** The member of that name in {@code members}, if any. */
    static Optional<Member> member(List<Member> members, String name) {
        for (Member m : members) {
            if (m.name().equals(name)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    static boolean alive(Member m) {
        return m.state() == MemberState.ALIVE || m.state() == MemberState.SUSPECT;
    }

    /** The leader as the alive members' claims tell it, or empty. */
    static Optional<LeaderInfo> leader(List<Member> members) {
        Claim best = null;
        for (Member m : members) {
            if (!alive(m)) {
                continue;
            }
            Optional<Claim> c = claim(m.metadata());
            if (c.isEmpty()) {
                continue;
            }
            Claim x = c.get();
            if (best == null || x.term() > best.term() || x.term() == best.term() && best.leader().isEmpty()) {
                best = x;
            }
        }
        if (best == null || best.leader().isEmpty()) {
            return Optional.empty();
        }
        String name = best.leader();
        boolean leaderAlive = member(members, name).filter(Claims::alive).isPresent();
        return leaderAlive ? Optional.of(new LeaderInfo(name, best.term())) : Optional.empty();
    }

    /** The voters the leader (or, without one, the newest claimant) publishes; empty when none does. */
    static List<String> voters(List<Member> members, Optional<LeaderInfo> leader) {
        Member from = leader.flatMap(l -> member(members, l.name())).orElse(null);
        if (from == null || from.metadata().get(VOTERS) == null) {
            from = members.stream().filter(Claims::alive).filter(m -> m.metadata().get(VOTERS) != null)
                    .max(Comparator.comparingLong(m -> claim(m.metadata()).map(Claim::term).orElse(-1L)))
                    .orElse(null);
        }
        return from == null ? List.of() : split(from.metadata().get(VOTERS));
    }

    /** The node the leader asks to start a Raft server and join, if any. */
    static Optional<String> promoted(List<Member> members, Optional<LeaderInfo> leader) {
        return leader.flatMap(l -> member(members, l.name()))
                .map(m -> m.metadata().get(PROMOTE)).filter(s -> !s.isEmpty());
    }

    /**
     * True when some alive member shows that a group has formed: a claim that names a leader.
     * A claim without a leader, or a voter list, proves nothing: designated replicas publish both
     * as soon as their server starts, before the first election, and the others must still join
     * with the same first configuration.
     */
    static boolean groupExists(List<Member> members) {
        return members.stream().filter(Claims::alive)
                .anyMatch(m -> claim(m.metadata()).map(c -> !c.leader().isEmpty()).orElse(false));
    }

    static List<String> split(String csv) {
        List<String> out = new ArrayList<>();
        if (csv != null) {
            for (String s : csv.split(",")) {
                if (!s.isBlank()) {
                    out.add(s.strip());
                }
            }
        }
        return out;
    }

    /** The index in a name like {@code node-7}, else 0. */
    static int index(String name) {
        Matcher m = INDEXED.matcher(name);
        return m.matches() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** Orders nodes by their index, then by name: who is designated or promoted first. */
    static final Comparator<Member> BY_INDEX = Comparator.<Member>comparingInt(m -> index(m.name()) == 0
            ? Integer.MAX_VALUE : index(m.name())).thenComparing(Member::name);

    /**
     * The first group: the first {@code expect} alive designated members with a Raft endpoint,
     * or empty while fewer than that are visible.
     */
    static Optional<Map<String, String>> bootstrapGroup(List<Member> members, int expect) {
        List<Member> designated = members.stream().filter(Claims::alive)
                .filter(m -> "true".equals(m.metadata().get(DESIGNATED)) && m.metadata().get(RAFT) != null)
                .sorted(BY_INDEX).toList();
        if (designated.size() < expect) {
            return Optional.empty();
        }
        Map<String, String> group = new TreeMap<>();
        designated.stream().limit(expect).forEach(m -> group.put(m.name(), m.metadata().get(RAFT)));
        return Optional.of(group);
    }

    /**
     * The node to promote in place of lost voters: an alive member with a Raft endpoint that is
     * not a voter and not held back by its status; designated ones first, then by index.
     */
    static Optional<Member> candidate(List<Member> members, List<String> voters, ControlState state) {
        return members.stream().filter(m -> m.state() == MemberState.ALIVE)
                .filter(m -> m.metadata().get(RAFT) != null && !voters.contains(m.name()))
                .filter(m -> state.status(m.name()) == NodeStatus.ONLINE)
                .min(Comparator.<Member, Boolean>comparing(m -> !"true".equals(m.metadata().get(DESIGNATED)))
                        .thenComparing(BY_INDEX));
    }

    /** The role of {@code name}, given the leader, the voters and the replicated state. */
    static Role role(String name, Optional<LeaderInfo> leader, List<String> voters, ControlState state) {
        if (leader.isPresent() && leader.get().name().equals(name)) {
            return Role.LEADER;
        }
        if (voters.contains(name)) {
            return Role.REPLICA;
        }
        return state.status(name) == NodeStatus.STANDBY ? Role.STANDBY : Role.WORKER;
    }

    /** A copy of {@code m} with {@code key} set to {@code value}, or removed when value is null. */
    static Metadata with(Metadata m, String key, String value) {
        TreeMap<String, String> copy = new TreeMap<>(m.asMap());
        if (value == null) {
            copy.remove(key);
        } else {
            copy.put(key, value);
        }
        return Metadata.of(copy);
    }
}
