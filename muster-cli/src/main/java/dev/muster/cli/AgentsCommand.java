package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.control.AgentSpec;
import dev.muster.control.Mutation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code muster agents run|ls|stop|migrate}: the cluster's agents, through the REST API of the
 * node at --url, or the first running node of the local cluster ({@code /api/cluster/agents}). Arguments are checked
 * against the same rules the control plane applies before anything is sent: a bad one prints
 * the rule and exits 2, as does a request the node refuses as malformed (400); a refused or
 * failed request (unknown agent, id taken, no quorum) exits 1.
 */
@Command(name = "agents", mixinStandardHelpOptions = true, description = "Run, list, stop and migrate agents.",
        subcommands = {AgentsCommand.Run.class, AgentsCommand.Ls.class, AgentsCommand.Stop.class,
                AgentsCommand.Migrate.class})
final class AgentsCommand {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AgentsCommand() {}

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Submit an agent: the leader places it on a node with a free slot, whose runtime starts it.")
    static final class Run implements Callable<Integer> {
        @Mixin
        LocalOptions local;

        @Mixin
        ApiOptions remote;

        @Parameters(index = "0", paramLabel = "ID", description = "The agent's id, unique in the cluster"
                + " (1 to 128 of A-Z, a-z, 0-9, '.', '_', '-').")
        String id;

        @Option(names = "--type", required = true, paramLabel = "TYPE", description = "Its type: command (runs ARGS as a"
                + " process), counter, or a type every node registers with 'serve --agent-type'.")
        String type;

        @Option(names = "--service", paramLabel = "NAME", description = "Place it only on nodes offering this service.")
        String service;

        @Parameters(index = "1..*", paramLabel = "ARGS", description = "Its arguments; for command, the command line"
                + " (put -- before the first one that starts with '-').")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            spec(id, type, service, args);
            ObjectNode body = JSON.createObjectNode().put("id", id).put("type", type);
            if (service != null) {
                body.put("service", service);
            }
            args.forEach(body.putArray("args")::add);
            JsonNode a = remote.api(local).post("/api/cluster/agents", body.toString()).orThrow();
            if (local.json) {
                System.out.println(a.toPrettyString());
            } else {
                System.out.println("submitted " + id + " (" + type + "), " + a.path("phase").asText()
                        + "; 'muster agents ls' shows where it runs");
            }
            return 0;
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List the cluster's agents.")
    static final class Ls implements Callable<Integer> {
        @Mixin
        LocalOptions local;

        @Mixin
        ApiOptions remote;

        @Override
        public Integer call() {
            JsonNode list = remote.api(local).get("/api/cluster/agents").orThrow();
            if (local.json) {
                System.out.println(list.toPrettyString());
            } else {
                System.out.print(table(list));
            }
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop an agent and remove it from the cluster; its node stops it once it sees that.")
    static final class Stop implements Callable<Integer> {
        @Mixin
        LocalOptions local;

        @Mixin
        ApiOptions remote;

        @Parameters(paramLabel = "ID", description = "The agent's id.")
        String id;

        @Override
        public Integer call() {
            checked("ID", () -> new Mutation.Unassign(id));
            JsonNode a = remote.api(local).delete("/api/cluster/agents/" + id).orThrow();
            System.out.println(local.json ? a.toPrettyString() : "stopped " + id);
            return 0;
        }
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Move a placed agent to another node with its state: its node stops it and hands it over.")
    static final class Migrate implements Callable<Integer> {
        @Mixin
        LocalOptions local;

        @Mixin
        ApiOptions remote;

        @Parameters(index = "0", paramLabel = "ID", description = "The agent's id.")
        String id;

        @Parameters(index = "1", paramLabel = "NODE", description = "The node to move it to (an alive, online member).")
        String node;

        @Override
        public Integer call() {
            checked("ID", () -> new Mutation.Unassign(id));
            checked("NODE", () -> new Mutation.MigrateAgent(id, node));
            JsonNode a = remote.api(local).post("/api/cluster/agents/" + id + "/migrate",
                    JSON.createObjectNode().put("node", node).toString()).orThrow();
            System.out.println(local.json ? a.toPrettyString()
                    : "migrating " + id + " from " + a.path("node").asText("-") + " to " + node
                            + "; 'muster agents ls' shows when it runs there");
            return 0;
        }
    }

    /**
     * Checks an agent's id and spec by the control plane's rules.
     *
     * @throws IllegalArgumentException naming the argument, the value and the rule
     */
    static AgentSpec spec(String id, String type, String service, List<String> args) {
        checked("ID", () -> new Mutation.Unassign(id));
        checked("--type", () -> AgentSpec.of(type));
        if (service != null) {
            checked("--service", () -> AgentSpec.of(type).onService(service));
        }
        return checked("ARGS", () -> new AgentSpec(type, service, args));
    }

    private static <T> T checked(String what, Supplier<T> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }

    /** The agents as a table: ID TYPE NODE PHASE EPOCH MESSAGE, one row each, columns as wide as their values. */
    static String table(JsonNode list) {
        String[] header = {"ID", "TYPE", "NODE", "PHASE", "EPOCH", "MESSAGE"};
        List<String[]> rows = new ArrayList<>();
        rows.add(header);
        for (JsonNode a : list) {
            String node = a.path("node").asText("-");
            if (!a.path("migrate_to").isNull() && a.path("migrate_to").isTextual()) {
                node += "->" + a.path("migrate_to").asText();
            }
            rows.add(new String[] {a.path("id").asText(), a.path("type").isTextual() ? a.path("type").asText() : "-",
                    a.path("node").isTextual() ? node : "-", a.path("phase").asText(), a.path("epoch").asText(),
                    a.path("message").asText("")});
        }
        StringBuilder out = new StringBuilder(Table.format(rows));
        if (rows.size() == 1) {
            out.append("(no agents; 'muster agents run ID --type counter' submits one)\n");
        }
        return out.toString();
    }
}
