package dev.muster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.local.LocalCluster;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code muster status}: one row per node of the local cluster, and a cluster line. CPU% and
 * AGENTS (running/max) are what the node publishes through its health reporter; in embedded mode
 * CPU is the host JVM's share, the same for every node.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the local cluster's nodes.")
final class StatusCommand implements Callable<Integer> {

    @Mixin
    LocalOptions local;

    @Option(names = "--watch", description = "Redraw every second until Ctrl-C.")
    boolean watch;

    @Override
    public Integer call() throws Exception {
        LocalCluster cluster = local.open();
        do {
            List<LocalCluster.NodeStatus> rows = cluster.status();
            if (local.json) {
                System.out.println(json(rows, cluster.size()).toPrettyString());
            } else {
                if (watch) {
                    System.out.print("\033[H\033[2J");
                }
                printTable(rows, cluster.size());
            }
            if (watch) {
                Thread.sleep(1000);
            }
        } while (watch);
        return 0;
    }

    static ObjectNode json(List<LocalCluster.NodeStatus> rows, int size) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode out = m.createObjectNode();
        ArrayNode nodes = out.putArray("nodes");
        for (LocalCluster.NodeStatus r : rows) {
            ObjectNode n = nodes.addObject();
            n.put("index", r.index());
            n.put("name", r.name());
            n.put("pid", r.pid() < 0 ? null : r.pid());
            n.put("gossip_port", r.gossipPort());
            n.put("http_port", r.httpPort());
            n.put("state", r.state());
            n.put("role", r.role());
            n.put("status", r.status());
            n.put("members_seen", r.membersSeen());
            n.put("alive_seen", r.aliveSeen());
            n.put("incarnation", r.incarnation() < 0 ? null : r.incarnation());
            n.put("uptime_ms", r.uptimeMillis() < 0 ? null : r.uptimeMillis());
            n.put("rss_bytes", r.rssBytes() < 0 ? null : r.rssBytes());
            if (r.health() == null) {
                n.putNull("health");
            } else {
                n.set("health", r.health().deepCopy());
            }
        }
        Summary s = Summary.of(rows, size);
        out.put("size", size);
        out.put("alive", s.alive);
        out.put("suspect", s.suspect);
        out.put("dead", s.dead);
        out.put("formed", s.formed);
        out.put("leader", s.leader);
        out.put("term", s.leader == null ? null : s.term);
        return out;
    }

    /** The cluster line; the leader is the one known in the highest term, the newest any node knows. */
    private record Summary(int alive, int suspect, int dead, boolean formed, String leader, long term) {
        static Summary of(List<LocalCluster.NodeStatus> rows, int size) {
            int alive = (int) rows.stream().filter(r -> r.state().equals("alive")).count();
            int suspect = (int) rows.stream().filter(r -> r.state().equals("suspect")).count();
            int dead = (int) rows.stream().filter(r -> r.state().equals("dead")).count();
            boolean formed = alive == size && rows.stream().allMatch(r -> r.aliveSeen() == size);
            LocalCluster.NodeStatus newest = rows.stream().filter(r -> r.leaderSeen() != null)
                    .max(java.util.Comparator.comparingLong(LocalCluster.NodeStatus::termSeen)).orElse(null);
            return new Summary(alive, suspect, dead, formed, newest == null ? null : newest.leaderSeen(),
                    newest == null ? -1 : newest.termSeen());
        }
    }

    /** CPU in use as a whole percentage, or "-" while unknown. */
    static String cpuPercent(com.fasterxml.jackson.databind.JsonNode health) {
        if (health == null || !health.path("cpu").isNumber()) {
            return "-";
        }
        return Math.round(health.path("cpu").asDouble() * 100) + "%";
    }

    /** "agents/max", or "-" while unknown. */
    static String agents(com.fasterxml.jackson.databind.JsonNode health) {
        if (health == null || !health.path("agents").isNumber() || !health.path("max_agents").isNumber()) {
            return "-";
        }
        return health.path("agents").asInt() + "/" + health.path("max_agents").asInt();
    }

    static void printTable(List<LocalCluster.NodeStatus> rows, int size) {
        System.out.printf("%-5s %-9s %-8s %-6s %-6s %-8s %-8s %-9s %-7s %-12s %-8s %-7s %-5s %-9s%n",
                "INDEX", "NAME", "PID", "GOSSIP", "HTTP", "STATE", "ROLE", "STATUS", "SEES", "INCARNATION", "UPTIME", "RSS",
                "CPU%", "AGENTS");
        for (LocalCluster.NodeStatus r : rows) {
            System.out.printf("%-5d %-9s %-8s %-6d %-6d %-8s %-8s %-9s %-7s %-12s %-8s %-7s %-5s %-9s%n", r.index(), r.name(),
                    r.pid() < 0 ? "-" : Long.toString(r.pid()), r.gossipPort(), r.httpPort(), r.state(),
                    r.role() == null ? "-" : r.role(), r.status() == null ? "-" : r.status(),
                    r.pid() < 0 ? "-" : r.aliveSeen() + "/" + r.membersSeen(),
                    r.incarnation() < 0 ? "-" : Long.toString(r.incarnation()),
                    r.uptimeMillis() < 0 ? "-" : r.uptimeMillis() / 1000 + "s",
                    r.rssBytes() < 0 ? "-" : (r.rssBytes() >> 20) + "MB", cpuPercent(r.health()), agents(r.health()));
        }
        Summary s = Summary.of(rows, size);
        System.out.printf("cluster: size %d, alive %d, suspect %d, dead %d, formed %s, leader %s%n", size, s.alive, s.suspect,
                s.dead, s.formed ? "yes" : "no", s.leader == null ? "none" : s.leader + " (term " + s.term + ")");
    }
}
