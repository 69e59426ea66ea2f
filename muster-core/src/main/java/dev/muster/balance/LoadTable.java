package dev.muster.balance;

import dev.muster.Member;
import dev.muster.MemberState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The nodes a balancer chooses from, with their figures, as parallel arrays: built once when
 * membership changes ({@link #of}), then read by {@link Balancer#select} without allocating.
 *
 * <p>Only alive members are rows. A row is eligible for a service when the node accepts agents
 * (the caller's predicate: online, not draining, not standby), has a free slot, and offers the
 * service. A node whose CPU or memory is unknown ({@code -1} in {@link NodeLoad}: it has not
 * reported yet) scores above every node that reported, so least-loaded chooses it last.
 *
 * <p>{@link #placed(int)} counts an agent the caller just placed on a row, so a burst of
 * placements spreads out before the nodes' own reports catch up (they refresh every few seconds).
 *
 * <p>Not thread-safe: one coordinator owns a table; build a new one per membership change.
 */
public final class LoadTable {

    /** Weights of the least-loaded score: CPU, memory and the share of agent slots in use. */
    public static final double CPU_WEIGHT = 0.4;
    public static final double MEMORY_WEIGHT = 0.3;
    public static final double AGENTS_WEIGHT = 0.3;

    final String[] names;
    final double[] cpu;
    final double[] memory;
    final int[] agents;
    final int[] maxAgents;
    final long[] services;
    final boolean[] accepting;
    private final Map<String, Integer> serviceIds;

    private LoadTable(int n, Map<String, Integer> serviceIds) {
        names = new String[n];
        cpu = new double[n];
        memory = new double[n];
        agents = new int[n];
        maxAgents = new int[n];
        services = new long[n];
        accepting = new boolean[n];
        this.serviceIds = serviceIds;
    }

    /**
     * A table of the alive members, in the order given.
     *
     * @param accepts whether a node (by name) takes agents: its status is online
     */
    public static LoadTable of(List<Member> members, Predicate<String> accepts) {
        List<Member> alive = new ArrayList<>();
        for (Member m : members) {
            if (m.state() == MemberState.ALIVE) {
                alive.add(m);
            }
        }
        Map<String, Integer> ids = new HashMap<>();
        LoadTable t = new LoadTable(alive.size(), ids);
        for (int i = 0; i < alive.size(); i++) {
            Member m = alive.get(i);
            NodeLoad l = NodeLoad.fromMetadata(m.metadata());
            t.names[i] = m.name();
            t.cpu[i] = l.cpu();
            t.memory[i] = l.memory();
            t.agents[i] = l.agents();
            t.maxAgents[i] = l.maxAgents();
            t.accepting[i] = accepts.test(m.name());
            long mask = 0;
            for (String s : l.services()) {
                Integer id = ids.get(s);
                if (id == null && ids.size() < NodeLoad.MAX_SERVICES) {
                    id = ids.size();
                    ids.put(s, id);
                }
                if (id != null) {
                    mask |= 1L << id;
                }
            }
            t.services[i] = mask;
        }
        return t;
    }

    /** The row of the node of that name, or -1. */
    public int indexOf(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Rows in the table. */
    public int size() {
        return names.length;
    }

    /** The node name of row {@code i}. */
    public String name(int i) {
        return names[i];
    }

    /** Agents on row {@code i}, as reported plus those {@link #placed} since. */
    public int agents(int i) {
        return agents[i];
    }

    /**
     * The mask that selects nodes offering {@code service}: 0 for any node (a null service), or
     * -1 when no node offers it, so nothing is eligible.
     */
    public long serviceMask(String service) {
        if (service == null) {
            return 0;
        }
        Integer id = serviceIds.get(service);
        return id == null ? -1 : 1L << id;
    }

    /** Whether row {@code i} can take an agent needing the services in {@code mask}. */
    public boolean eligible(int i, long mask) {
        return accepting[i] && agents[i] < maxAgents[i] && (mask == 0 || mask != -1 && (services[i] & mask) != 0);
    }

    /**
     * The least-loaded score of row {@code i}: lower is less loaded; 0..1 for a node that reported
     * its CPU and memory, above 1 for one that did not, so it comes after every node that did.
     */
    public double score(int i) {
        double share = maxAgents[i] == 0 ? 1 : (double) agents[i] / maxAgents[i];
        if (cpu[i] < 0 || memory[i] < 0) {
            return 1 + share;
        }
        return CPU_WEIGHT * cpu[i] + MEMORY_WEIGHT * memory[i] + AGENTS_WEIGHT * share;
    }

    /** Sets the agents on row {@code i} to an authoritative count (the placements the control plane holds). */
    public void agents(int i, int count) {
        agents[i] = count;
    }

    /** Counts one more agent on row {@code i}, placed by the caller. */
    public void placed(int i) {
        agents[i]++;
    }

    /** The rows eligible for {@code mask}: for tests and views; allocates. */
    public List<String> eligibleNames(long mask) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if (eligible(i, mask)) {
                out.add(names[i]);
            }
        }
        return out;
    }
}
