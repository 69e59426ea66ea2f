package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muster.control.Mutation;
import dev.muster.control.NodeStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code muster nodes}: the cluster's members as one node sees them ({@code GET
 * /api/cluster/nodes} on the node at {@code --url}, or the first running node of the local
 * cluster): a table of name, state, role, status, address, HTTP port, CPU, memory and agents;
 * {@code --json} prints the node's array as it came. {@code --filter} and {@code --service} are
 * the API's query parameters, checked here first. Confined to the command's thread.
 */
@Command(name = "nodes", mixinStandardHelpOptions = true,
        description = "List the cluster's members as a node sees them: state, role, status, address, load.")
final class NodesCommand implements Callable<Integer> {

    /** The values of --filter: the API's {@code ?filter=}. */
    static final List<String> FILTERS = List.of("healthy", "available");

    @Mixin
    LocalOptions local;

    @Mixin
    ApiOptions remote;

    @Option(names = "--filter", paramLabel = "FILTER", description = "Only healthy (alive) members, or available"
            + " ones (alive, online, with a free agent slot).")
    String filter;

    @Option(names = "--service", paramLabel = "NAME", description = "Only members that offer this service.")
    String service;

    @Override
    public Integer call() {
        List<String> query = new ArrayList<>();
        if (filter != null) {
            if (!FILTERS.contains(filter)) {
                throw new IllegalArgumentException("--filter: '" + filter + "' is not one of " + String.join(", ", FILTERS));
            }
            query.add("filter=" + filter);
        }
        if (service != null) {
            ServiceOption.checkName("--service", service);
            query.add("service=" + URLEncoder.encode(service, StandardCharsets.UTF_8));
        }
        JsonNode list = remote.api(local).get("/api/cluster/nodes" + (query.isEmpty() ? "" : "?" + String.join("&", query)))
                .orThrow();
        System.out.print(local.json ? list.toPrettyString() + "\n" : table(list));
        return 0;
    }

    /** The members as a table, one row each, in the API's order. */
    static String table(JsonNode list) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "STATE", "ROLE", "STATUS", "ADDRESS", "HTTP", "CPU", "MEM", "AGENTS"});
        for (JsonNode m : list) {
            JsonNode h = m.path("health");
            rows.add(new String[] {m.path("name").asText(), m.path("state").asText("-"), m.path("role").asText("-"),
                    m.path("status").asText("-"), m.path("address").asText() + ":" + m.path("gossip_port").asText(),
                    m.path("http_port").isInt() ? m.path("http_port").asText() : "-", StatsCommand.percent(h.path("cpu")),
                    StatsCommand.percent(h.path("memory")), agents(h)});
        }
        StringBuilder out = new StringBuilder(Table.format(rows));
        if (rows.size() == 1) {
            out.append("(no members match)\n");
        }
        return out.toString();
    }

    /** One member in detail, one "field: value" a line. */
    static String detail(JsonNode m) {
        JsonNode h = m.path("health");
        StringBuilder out = new StringBuilder();
        line(out, "name", m.path("name").asText());
        line(out, "state", m.path("state").asText("-") + " (incarnation " + m.path("incarnation").asText("-") + ")");
        line(out, "role", m.path("role").asText("-"));
        line(out, "status", m.path("status").asText("-"));
        line(out, "address", m.path("address").asText() + ":" + m.path("gossip_port").asText() + " (gossip)");
        line(out, "http", m.path("http_port").isInt() ? m.path("address").asText() + ":" + m.path("http_port").asText() : "-");
        line(out, "roles", texts(m.path("roles")));
        line(out, "cpu", StatsCommand.percent(h.path("cpu")));
        line(out, "memory", StatsCommand.percent(h.path("memory")));
        line(out, "disk", StatsCommand.percent(h.path("disk")));
        line(out, "load", h.path("load").isNumber() ? String.format(Locale.ROOT, "%.2f", h.path("load").asDouble()) : "-");
        line(out, "agents", agents(h));
        line(out, "services", texts(m.path("services")));
        List<String> meta = new ArrayList<>();
        m.path("metadata").fields().forEachRemaining(e -> meta.add(e.getKey() + "=" + e.getValue().asText()));
        line(out, "metadata", meta.isEmpty() ? "-" : String.join(", ", meta));
        return out.toString();
    }

    /**
     * The node name an ID stands for: a number is an index ({@code 3} is {@code node-3}, as a local
     * cluster names its nodes); anything else must be a valid node name.
     *
     * @throws IllegalArgumentException naming {@code what}, the value and the rule
     */
    static String nodeName(String what, String id) {
        if (!id.isEmpty() && id.length() <= 3 && id.chars().allMatch(Character::isDigit)) {
            int index = Integer.parseInt(id);
            if (index < 1) {
                throw new IllegalArgumentException(what + ": index " + id + " must be at least 1");
            }
            return "node-" + index;
        }
        try {
            new Mutation.SetNodeStatus(id, NodeStatus.ONLINE); // the control plane's rule for node names
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
        return id;
    }

    private static void line(StringBuilder out, String field, String value) {
        out.append(String.format(Locale.ROOT, "%-9s %s%n", field + ":", value));
    }

    private static String texts(JsonNode array) {
        List<String> v = new ArrayList<>();
        array.forEach(e -> v.add(e.asText()));
        return v.isEmpty() ? "-" : String.join(", ", v);
    }

    private static String agents(JsonNode health) {
        return health.path("agents").isInt() ? health.path("agents").asInt() + "/"
                + (health.path("max_agents").isInt() ? health.path("max_agents").asText() : "-") : "-";
    }
}
