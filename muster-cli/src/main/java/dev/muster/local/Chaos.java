package dev.muster.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muster.Durations;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Faults for a running cluster, as {@code muster chaos} applies them: network faults through each
 * node's fault filter ({@code POST /api/faults}: black holes, delays, drops, which cover gossip UDP
 * and TCP and Raft), and process faults by signal (SIGKILL, SIGSTOP/SIGCONT) to a local cluster's
 * node processes. Every check runs before the first change: each node the fault touches must
 * answer and have fault injection on, or nothing is sent.
 *
 * <p>A partition is a black hole on both sides of every pair across the cut ({@code --one-way}: an
 * {@code out} black hole at the first side only, so it cannot reach the other but hears it). A
 * delay or loss of a node is a rule at that node for every other node, both directions: each
 * message to or from it is slowed or may be lost. Faults add up until {@link #heal}.
 *
 * <p>Not thread-safe: one command at a time.
 */
public final class Chaos {

    /** Longest pause: a frozen node longer than this is a stopped node; use kill. */
    public static final Duration MAX_PAUSE = Duration.ofHours(1);
    /** Longest delay a rule may add: the fault filter's limit. */
    public static final Duration MAX_DELAY = dev.muster.transport.FaultFilter.MAX_DELAY;
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One node a fault may touch.
     *
     * @param index its 1-based index (node-INDEX)
     * @param name its member name
     * @param http its REST API
     * @param gossip its gossip address, host:port: the peer its rules at other nodes name
     */
    public record Node(int index, String name, ClusterApi.Endpoint http, String gossip) {}

    private final LocalCluster cluster; // null: a remote cluster, network faults only
    private final ClusterApi api;
    private final List<Node> nodes;
    private final Consumer<String> out;

    private Chaos(LocalCluster cluster, ClusterApi api, List<Node> nodes, Consumer<String> out) {
        this.cluster = cluster;
        this.api = api;
        this.nodes = List.copyOf(nodes);
        this.out = out;
    }

    /** Chaos for a local cluster: every node of its layout, running or not; {@code out} gets one line per action. */
    public static Chaos local(LocalCluster cluster, ApiToken token, Consumer<String> out) {
        ClusterApi api = ClusterApi.of(cluster, token);
        List<Node> nodes = new ArrayList<>();
        for (int i = 1; i <= cluster.size(); i++) {
            nodes.add(new Node(i, cluster.name(i), new ClusterApi.Endpoint(cluster.name(i),
                    api.client().base(cluster.httpPort(i))), cluster.bindHost() + ":" + cluster.gossipPort(i)));
        }
        return new Chaos(cluster, api, nodes, out);
    }

    /**
     * Chaos for the cluster the node at {@code url} belongs to: its members that publish an HTTP
     * port, indexed by their names' numbers (node-3 is 3); network faults only.
     */
    public static Chaos remote(URI url, ApiToken token, Consumer<String> out) {
        ClusterApi api = ClusterApi.at(url, token);
        List<Node> nodes = new ArrayList<>();
        for (JsonNode m : api.get("/api/cluster/nodes").orThrow()) {
            String name = m.path("name").asText();
            if (!m.path("http_port").isInt() || !name.matches("node-[1-9][0-9]{0,2}")) {
                continue;
            }
            String host = m.path("address").asText();
            String bracketed = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
            nodes.add(new Node(Integer.parseInt(name.substring(5)), name, new ClusterApi.Endpoint(name,
                    URI.create("http://" + bracketed + ":" + m.path("http_port").asInt())),
                    bracketed + ":" + m.path("gossip_port").asInt()));
        }
        nodes.sort(java.util.Comparator.comparingInt(Node::index));
        return new Chaos(null, api, nodes, out);
    }

    /** The nodes, by index. */
    public List<Node> nodes() {
        return nodes;
    }

    // ------------------------------------------------------------------ arguments

    /**
     * The node {@code id} names: a 1-based index ({@code 3}) or a name ({@code node-3}).
     *
     * @param what the argument, for the error ({@code NODE})
     */
    public Node node(String what, String id) {
        String t = id.strip();
        Optional<Node> found = t.chars().allMatch(Character::isDigit) && !t.isEmpty() && t.length() <= 3
                ? nodes.stream().filter(n -> n.index() == Integer.parseInt(t)).findFirst()
                : nodes.stream().filter(n -> n.name().equals(t)).findFirst();
        return found.orElseThrow(() -> new IllegalArgumentException(what + ": '" + id + "' is no node of this cluster;"
                + " give an index " + (nodes.isEmpty() ? "" : nodes.get(0).index() + ".." + nodes.get(nodes.size() - 1).index())
                + " or a name like " + (nodes.isEmpty() ? "node-1" : nodes.get(0).name())));
    }

    /**
     * The groups of a partition, from its words ({@code 1-3 / 4-5}, {@code 1,2/3}): groups
     * separated by {@code /}, each a comma list of nodes or ranges {@code A-B}. A node may be in
     * one group only; the nodes named in none form one more group (so {@code partition 3} cuts
     * node-3 off from the rest).
     */
    public List<Set<Node>> groups(List<String> words) {
        String spec = String.join(" ", words).strip();
        if (spec.isEmpty()) {
            throw new IllegalArgumentException("GROUPS: give the sides, for example 1-2 / 3-5 or 1,2/3");
        }
        List<Set<Node>> groups = new ArrayList<>();
        Set<Node> named = new LinkedHashSet<>();
        for (String g : spec.split("/", -1)) {
            Set<Node> group = new LinkedHashSet<>();
            if (g.isBlank()) {
                throw new IllegalArgumentException("GROUPS: '" + spec + "' has an empty group; groups are separated by /,"
                        + " for example 1-2 / 3-5");
            }
            for (String item : g.split(",", -1)) {
                for (Node n : range(item.strip())) {
                    if (!named.add(n)) {
                        throw new IllegalArgumentException("GROUPS: " + n.name() + " is named twice in '" + spec + "'; a node"
                                + " is on one side only (to let it reach every side, name it with --bridge " + n.index() + ")");
                    }
                    group.add(n);
                }
            }
            groups.add(group);
        }
        Set<Node> rest = new LinkedHashSet<>(nodes);
        rest.removeAll(named);
        if (!rest.isEmpty()) {
            groups.add(rest);
        }
        if (groups.size() < 2) {
            throw new IllegalArgumentException("GROUPS: '" + spec + "' names every node in one group: there is nothing to cut;"
                    + " give two sides, for example 1-2 / 3-" + nodes.size());
        }
        return groups;
    }

    private List<Node> range(String item) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,3})\\s*-\\s*(\\d{1,3})").matcher(item);
        if (!m.matches()) {
            if (item.isEmpty()) {
                throw new IllegalArgumentException("GROUPS: an empty node in a comma list; write 1,2 or 1-3");
            }
            return List.of(node("GROUPS", item));
        }
        int from = Integer.parseInt(m.group(1));
        int to = Integer.parseInt(m.group(2));
        if (from > to) {
            throw new IllegalArgumentException("GROUPS: range '" + item + "' runs backwards; write " + to + "-" + from);
        }
        List<Node> r = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            r.add(node("GROUPS", Integer.toString(i)));
        }
        return r;
    }

    /** A percentage {@code 10%} (or {@code 2.5%}) as a rate 0..1; more than 0%, at most 100%. */
    public static double percent(String what, String text) {
        String t = text.strip();
        String rule = what + ": '" + text + "' must be a percentage more than 0% and at most 100%, for example 10%";
        if (!t.endsWith("%")) {
            throw new IllegalArgumentException(rule);
        }
        double p;
        try {
            p = Double.parseDouble(t.substring(0, t.length() - 1).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(rule);
        }
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException(rule);
        }
        return p / 100;
    }

    /** A duration with units, more than 0 and at most {@code max}. */
    public static Duration duration(String what, String text, Duration max) {
        Duration d = Durations.parse(what, text);
        if (d.isZero() || d.isNegative() || d.compareTo(max) > 0) {
            throw new IllegalArgumentException(what + " (" + text + ") must be more than 0 and at most "
                    + Durations.format(max));
        }
        return d;
    }

    // ------------------------------------------------------------------ network faults

    /**
     * Cuts the groups apart: black holes on both sides of every pair in different groups, or with
     * {@code oneWay} an out black hole at the earlier group's node only. {@code bridge} nodes are in
     * every group: they reach every side. Nodes that are not running are left out (their rules
     * would go with their process).
     */
    public void partition(List<Set<Node>> groups, Set<Node> bridge, boolean oneWay) {
        for (Node b : bridge) {
            for (Set<Node> g : groups) {
                g.remove(b); // a bridge named in a group is still a bridge
            }
        }
        groups.removeIf(Set::isEmpty);
        if (groups.size() < 2) {
            throw new IllegalArgumentException("--bridge: with the bridge nodes taken out, fewer than two sides are left;"
                    + " nothing to cut");
        }
        record Rule(Node at, Node peer, String direction) {}
        List<Rule> rules = new ArrayList<>();
        for (int a = 0; a < groups.size(); a++) {
            for (int b = a + 1; b < groups.size(); b++) {
                for (Node x : groups.get(a)) {
                    for (Node y : groups.get(b)) {
                        if (oneWay) {
                            rules.add(new Rule(x, y, "out"));
                        } else {
                            rules.add(new Rule(x, y, "both"));
                            rules.add(new Rule(y, x, "both"));
                        }
                    }
                }
            }
        }
        Set<Node> at = new LinkedHashSet<>();
        rules.forEach(r -> at.add(r.at()));
        Set<Node> up = checkFaultInjection(at, false);
        for (Rule r : rules) {
            if (up.contains(r.at())) {
                post(r.at(), "{\"peer\": \"" + r.peer().gossip() + "\", \"blackhole\": true, \"direction\": \""
                        + r.direction() + "\"}");
            }
        }
        List<String> sides = groups.stream().map(Chaos::names).toList();
        out.accept("partitioned " + String.join(oneWay ? " -/-> " : " / ", sides)
                + (bridge.isEmpty() ? "" : ", bridged by " + names(bridge))
                + (up.size() < at.size() ? " (not running, left out: " + names(without(at, up)) + ")" : ""));
    }

    /** Delays every message to or from {@code node} by {@code delay}, plus up to {@code jitter}. */
    public void delay(Node node, Duration delay, Duration jitter) {
        if (jitter.compareTo(delay) > 0) {
            throw new IllegalArgumentException("--jitter (" + Durations.format(jitter) + ") must be at most the delay ("
                    + Durations.format(delay) + ")");
        }
        checkFaultInjection(Set.of(node), true);
        for (Node peer : others(node)) {
            post(node, "{\"peer\": \"" + peer.gossip() + "\", \"delay_ms\": " + delay.toMillis() + ", \"jitter_ms\": "
                    + jitter.toMillis() + "}");
        }
        out.accept("delayed " + node.name() + " by " + Durations.format(delay)
                + (jitter.isZero() ? "" : " +- " + Durations.format(jitter)) + " to and from " + others(node).size() + " peers");
    }

    /** Drops {@code rate} (0..1) of the messages to or from {@code node}. */
    public void loss(Node node, double rate) {
        checkFaultInjection(Set.of(node), true);
        for (Node peer : others(node)) {
            post(node, "{\"peer\": \"" + peer.gossip() + "\", \"drop_rate\": " + rate + "}");
        }
        out.accept("dropping " + String.format(java.util.Locale.ROOT, "%.4g", rate * 100).replaceAll("\\.?0+$", "")
                + "% of " + node.name() + "'s messages to and from " + others(node).size() + " peers");
    }

    /** Resumes paused nodes (local) and removes every fault rule of every node that answers. */
    public void heal() {
        if (cluster != null) {
            for (Node n : nodes) {
                OptionalLong pid = cluster.isRunning(n.index()) ? cluster.pid(n.index()) : OptionalLong.empty();
                if (pid.isPresent() && Processes.isPaused(pid.getAsLong())) {
                    Processes.signal(pid.getAsLong(), false);
                    out.accept("resumed " + (embedded() ? "the embedded host" : n.name()) + " (pid " + pid.getAsLong() + ")");
                }
            }
        }
        int rules = 0;
        List<String> healed = new ArrayList<>();
        for (Node n : nodes) {
            if (cluster != null && !cluster.isRunning(n.index())) {
                continue;
            }
            Optional<ClusterApi.Answer> a = ask(n, "DELETE");
            if (a.isPresent() && a.get().status() == 200) {
                rules += a.get().body().path("healed").asInt();
                healed.add(n.name());
            }
        }
        out.accept("healed " + rules + " fault rules on " + healed.size() + " nodes");
    }

    /**
     * The nodes of {@code at} that are running, after checking each answers GET /api/faults with
     * fault injection on; {@code all}: every one must run.
     */
    private Set<Node> checkFaultInjection(Set<Node> at, boolean all) {
        Set<Node> up = new LinkedHashSet<>();
        for (Node n : at) {
            if (cluster != null && !cluster.isRunning(n.index())) {
                if (all) {
                    throw new IllegalStateException(n.name() + " is not running; start it with 'muster node start "
                            + n.index() + "'");
                }
                continue;
            }
            if (cluster != null && Processes.isPaused(cluster.pid(n.index()).orElse(-1))) {
                throw new IllegalStateException(n.name() + " is paused (SIGSTOP) and cannot take rules; 'muster chaos heal'"
                        + " resumes it");
            }
            Optional<ClusterApi.Answer> a = api.getAt(n.http(), "/api/faults");
            if (a.isEmpty() || a.get().status() != 200 || a.get().body() == null) {
                throw new IllegalStateException(n.name() + " does not answer GET /api/faults at " + n.http().base()
                        + (a.isPresent() ? " (HTTP " + a.get().status() + ")" : "") + "; nothing was changed");
            }
            if (!a.get().body().path("enabled").asBoolean()) {
                throw new IllegalStateException("fault injection is off on " + n.name() + ": it was started without"
                        + " --faults; restart it with 'muster serve --faults' (local clusters always have it); nothing"
                        + " was changed");
            }
            up.add(n);
        }
        return up;
    }

    private void post(Node at, String body) {
        api.exchangeAt(at.http(), "POST", "/api/faults", body.getBytes(StandardCharsets.UTF_8), "application/json",
                WRITE_TIMEOUT).orThrow();
    }

    private Optional<ClusterApi.Answer> ask(Node n, String method) {
        try {
            ClusterApi.Raw r = api.exchangeAt(n.http(), method, "/api/faults", null, null, WRITE_TIMEOUT);
            return Optional.of(new ClusterApi.Answer(r.status(), NodeClient.json(r.body()), n.name()));
        } catch (IllegalStateException notAnswering) {
            out.accept(n.name() + " did not answer; its rules (if any) stay");
            return Optional.empty();
        }
    }

    private List<Node> others(Node node) {
        return nodes.stream().filter(n -> !n.equals(node)).toList();
    }

    private static String names(java.util.Collection<Node> ns) {
        return String.join(",", ns.stream().map(Node::name).toList());
    }

    private static Set<Node> without(Set<Node> a, Set<Node> b) {
        Set<Node> r = new LinkedHashSet<>(a);
        r.removeAll(b);
        return r;
    }

    // ------------------------------------------------------------------ process faults

    private boolean embedded() {
        return cluster != null && cluster.mode().equals("embedded");
    }

    private LocalCluster localOnly(String fault) {
        if (cluster == null) {
            throw new IllegalArgumentException(fault + " signals a node's process, so it needs a local cluster (--dir);"
                    + " with --url only partition, delay, loss and heal work");
        }
        return cluster;
    }

    /** SIGKILL of {@code node} (embedded: the host takes the node down). */
    public void kill(Node node) {
        LocalCluster c = localOnly("kill");
        if (!c.isRunning(node.index())) {
            throw new IllegalStateException(node.name() + " is not running");
        }
        long pid = c.pid(node.index()).getAsLong();
        c.kill(node.index());
        out.accept("killed " + node.name() + (embedded() ? " (in the embedded host)" : " (pid " + pid + ", SIGKILL)")
                + "; 'muster node start " + node.index() + "' starts it again");
    }

    /** Starts a killed node again and waits until it answers. */
    public void restart(Node node, Duration timeout) {
        LocalCluster c = localOnly("restart");
        if (!c.isRunning(node.index())) {
            c.startNode(node.index(), timeout);
            out.accept("started " + node.name() + " again");
        }
    }

    /** SIGSTOP of {@code node}'s process, then SIGCONT after {@code hold}; also SIGCONT if this JVM exits before. */
    public void pause(Node node, Duration hold) {
        LocalCluster c = localOnly("pause");
        if (embedded()) {
            throw new IllegalArgumentException("pause stops a node's process, and in embedded mode every node shares one"
                    + " JVM: start the cluster with --mode process, or cut the node off with 'muster chaos partition "
                    + node.index() + "'");
        }
        if (!c.isRunning(node.index())) {
            throw new IllegalStateException(node.name() + " is not running");
        }
        long pid = c.pid(node.index()).getAsLong();
        Thread resume = new Thread(() -> Processes.signal(pid, false), "muster-chaos-resume");
        Runtime.getRuntime().addShutdownHook(resume); // a Ctrl-C during the pause must not leave it frozen
        Processes.signal(pid, true);
        out.accept("paused " + node.name() + " (pid " + pid + ", SIGSTOP) for " + Durations.format(hold));
        try {
            Thread.sleep(hold);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Processes.signal(pid, false);
            try {
                Runtime.getRuntime().removeShutdownHook(resume);
            } catch (IllegalStateException exiting) {
                // the JVM is exiting: the hook runs too, and a second SIGCONT is harmless
            }
        }
        out.accept("resumed " + node.name() + " (SIGCONT)");
    }

    /** The indexes of the running nodes (remote: every member), ascending. */
    public List<Node> running() {
        return nodes.stream().filter(n -> cluster == null || cluster.isRunning(n.index())).toList();
    }

    /** Whether every node sees every other alive within {@code timeout} (local clusters only; remote: true). */
    public boolean awaitFormed(Duration timeout) {
        return cluster == null || cluster.awaitFormed(timeout);
    }

    /** The current rules of a node, as GET /api/faults shows them. */
    public JsonNode rules(Node n) {
        return api.getAt(n.http(), "/api/faults").map(ClusterApi.Answer::orThrow)
                .orElseGet(JSON::createObjectNode);
    }

    // ------------------------------------------------------------------ monkey

    /**
     * Runs {@code plan}: each event at its offset from now (late when the one before took
     * longer), undone after its hold; at the end, whatever happened, heals every node, resumes
     * paused ones, starts killed ones again and waits until the cluster has formed.
     *
     * @return whether the cluster formed again within {@code timeout} at the end
     */
    public boolean run(ChaosPlan plan, Duration timeout) {
        LocalCluster c = localOnly("monkey");
        if (plan.size() != c.size()) {
            throw new IllegalArgumentException("--replay: the plan is for " + plan.size() + " nodes, this cluster has "
                    + c.size() + "; replay it against a cluster of the same size");
        }
        if (embedded() && plan.kinds().contains(ChaosPlan.Kind.PAUSE)) {
            throw new IllegalArgumentException("--faults: pause stops a node's process, and in embedded mode every node"
                    + " shares one JVM; leave pause out or start the cluster with --mode process");
        }
        for (ChaosPlan.Event e : plan.events()) {
            for (int n : e.nodes()) {
                node("plan", Integer.toString(n)); // every node named exists, before anything happens
            }
        }
        long t0 = System.nanoTime();
        Set<Node> killed = new LinkedHashSet<>();
        try {
            for (ChaosPlan.Event e : plan.events()) {
                sleepUntil(t0, e.atMs());
                out.accept(String.format(java.util.Locale.ROOT, "[%6.1fs] ", (System.nanoTime() - t0) / 1e9) + describe(e));
                try {
                    apply(e, killed, timeout);
                } catch (RuntimeException failed) {
                    out.accept("  could not apply it: " + failed.getMessage()); // a run goes on: the next fault may fit
                }
            }
            sleepUntil(t0, plan.duration().toMillis());
        } finally {
            heal();
            for (Node n : killed) {
                try {
                    restart(n, timeout);
                } catch (RuntimeException failed) {
                    out.accept("could not start " + n.name() + " again: " + failed.getMessage());
                }
            }
        }
        return awaitFormed(timeout);
    }

    private void apply(ChaosPlan.Event e, Set<Node> killed, Duration timeout) {
        Node first = node("plan", Integer.toString(e.nodes().get(0)));
        Duration hold = Duration.ofMillis(e.holdMs());
        switch (e.kind()) {
            case KILL -> {
                if (!cluster.isRunning(first.index())) {
                    out.accept("  " + first.name() + " is not running; skipped");
                    return;
                }
                kill(first);
                killed.add(first);
                sleep(hold);
                restart(first, timeout);
                killed.remove(first);
            }
            case PAUSE -> pause(first, hold);
            case PARTITION -> {
                Set<Node> side = new LinkedHashSet<>();
                e.nodes().forEach(i -> side.add(node("plan", Integer.toString(i))));
                Set<Node> rest = without(new LinkedHashSet<>(nodes), side);
                partition(new ArrayList<>(List.of(side, rest)), Set.of(), false);
                sleep(hold);
                heal();
            }
            case DELAY -> {
                delay(first, Duration.ofMillis(e.delayMs()), Duration.ofMillis(e.jitterMs()));
                sleep(hold);
                heal();
            }
            case LOSS -> {
                loss(first, e.dropRate());
                sleep(hold);
                heal();
            }
        }
    }

    /** One line for a planned event: {@code partition node-1,node-2 for 1.2s}. */
    public static String describe(ChaosPlan.Event e) {
        String nodes = String.join(",", e.nodes().stream().map(i -> "node-" + i).toList());
        String what = switch (e.kind()) {
            case KILL -> "kill " + nodes;
            case PAUSE -> "pause " + nodes;
            case PARTITION -> "partition " + nodes + " from the rest";
            case DELAY -> "delay " + nodes + " " + e.delayMs() + "ms" + (e.jitterMs() == 0 ? "" : " +- " + e.jitterMs() + "ms");
            case LOSS -> "loss " + nodes + " " + Math.round(e.dropRate() * 100) + "%";
        };
        return what + " for " + Durations.format(Duration.ofMillis(e.holdMs()));
    }

    private static void sleepUntil(long t0, long offsetMs) {
        long left = t0 + offsetMs * 1_000_000 - System.nanoTime();
        if (left > 0) {
            sleep(Duration.ofNanos(left));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
