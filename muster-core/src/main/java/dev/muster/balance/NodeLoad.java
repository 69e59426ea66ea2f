package dev.muster.balance;

import dev.muster.Metadata;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One node's load figures and offered services, as it publishes them in its membership
 * metadata every few seconds: the registry is the member list, and these are its columns.
 *
 * <table>
 *   <caption>metadata keys</caption>
 *   <tr><th>key</th><th>value</th></tr>
 *   <tr><td>{@value #CPU}</td><td>CPU in use, 0..1 (the host's; in embedded mode the JVM's share)</td></tr>
 *   <tr><td>{@value #MEMORY}</td><td>memory in use, 0..1</td></tr>
 *   <tr><td>{@value #DISK}</td><td>disk in use on the data directory's file system, 0..1</td></tr>
 *   <tr><td>{@value #LOAD}</td><td>the one-minute load average divided by the cores, 0 or more</td></tr>
 *   <tr><td>{@value #AGENTS}</td><td>agents running now, 0 or more</td></tr>
 *   <tr><td>{@value #MAX_AGENTS}</td><td>agents this node accepts at most, 0 or more</td></tr>
 *   <tr><td>{@value #SERVICES}</td><td>services offered, comma-separated names</td></tr>
 * </table>
 *
 * <p>Figures are written with three decimals, so an update costs a few dozen bytes of gossip. A
 * value that is missing or not a number reads as unknown: -1 for the fractions (a balancer treats
 * it as fully loaded), 0 for counts. Immutable.
 *
 * @param cpu CPU in use, 0..1, or -1 when unknown
 * @param memory memory in use, 0..1, or -1
 * @param disk disk in use, 0..1, or -1
 * @param load load average per core, 0 or more, or -1
 * @param agents agents running
 * @param maxAgents agents accepted at most
 * @param services services offered
 */
public record NodeLoad(double cpu, double memory, double disk, double load, int agents, int maxAgents,
                       Set<String> services) {

    public static final String CPU = "cpu";
    public static final String MEMORY = "mem";
    public static final String DISK = "disk";
    public static final String LOAD = "load";
    public static final String AGENTS = "agents";
    public static final String MAX_AGENTS = "max-agents";
    public static final String SERVICES = "services";

    /** Most services one node offers: a balancer keeps them as bits of one long per node. */
    public static final int MAX_SERVICES = 64;

    /** A node that published nothing. */
    public static final NodeLoad UNKNOWN = new NodeLoad(-1, -1, -1, -1, 0, 0, Set.of());

    private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public NodeLoad {
        cpu = fraction(cpu);
        memory = fraction(memory);
        disk = fraction(disk);
        load = load < 0 || Double.isNaN(load) ? -1 : Math.min(load, 1_000);
        if (agents < 0 || maxAgents < 0) {
            throw new IllegalArgumentException("agents (" + agents + ") and max agents (" + maxAgents
                    + ") must not be negative");
        }
        Objects.requireNonNull(services, "services");
        if (services.size() > MAX_SERVICES) {
            throw new IllegalArgumentException(services.size() + " services is more than the " + MAX_SERVICES
                    + " a node may offer");
        }
        for (String s : services) {
            if (s == null || !SERVICE.matcher(s).matches()) {
                throw new IllegalArgumentException("service name '" + s
                        + "' must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'");
            }
        }
        services = Collections.unmodifiableSortedSet(new TreeSet<>(services));
    }

    private static double fraction(double v) {
        return v < 0 || Double.isNaN(v) ? -1 : Math.min(v, 1);
    }

    /** Agents this node can still take: 0 when full. */
    public int freeSlots() {
        return Math.max(0, maxAgents - agents);
    }

    /** The figures as metadata entries, to merge into the node's metadata. */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new TreeMap<>();
        put(m, CPU, cpu);
        put(m, MEMORY, memory);
        put(m, DISK, disk);
        put(m, LOAD, load);
        m.put(AGENTS, Integer.toString(agents));
        m.put(MAX_AGENTS, Integer.toString(maxAgents));
        m.put(SERVICES, String.join(",", services));
        return m;
    }

    private static void put(Map<String, String> m, String key, double v) {
        m.put(key, v < 0 ? "" : String.format(Locale.ROOT, "%.3f", v));
    }

    /** {@code base} with these figures set (other keys kept). */
    public Metadata mergeInto(Metadata base) {
        TreeMap<String, String> m = new TreeMap<>(base.asMap());
        m.putAll(toMetadata());
        return Metadata.of(m);
    }

    /** The figures a node published; unknown or malformed values read as unknown. */
    public static NodeLoad fromMetadata(Metadata m) {
        Set<String> services = new TreeSet<>();
        String csv = m.get(SERVICES);
        if (csv != null) {
            for (String s : csv.split(",")) {
                String name = s.strip();
                if (SERVICE.matcher(name).matches() && services.size() < MAX_SERVICES) {
                    services.add(name);
                }
            }
        }
        return new NodeLoad(number(m.get(CPU)), number(m.get(MEMORY)), number(m.get(DISK)), number(m.get(LOAD)),
                count(m.get(AGENTS)), count(m.get(MAX_AGENTS)), services);
    }

    private static double number(String v) {
        if (v == null || v.isEmpty() || v.length() > 16) {
            return -1;
        }
        try {
            double d = Double.parseDouble(v);
            return Double.isFinite(d) ? d : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int count(String v) {
        if (v == null || v.isEmpty() || v.length() > 9 || !v.chars().allMatch(Character::isDigit)) {
            return 0;
        }
        return Integer.parseInt(v);
    }
}
