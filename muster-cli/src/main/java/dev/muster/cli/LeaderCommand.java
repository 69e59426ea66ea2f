package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code muster leader}: the control plane's leader and term as a node sees them ({@code GET
 * /api/cluster/leader}); {@code --promote ID} hands leadership to that replica ({@code POST
 * /api/cluster/leader {"node": ID}}, which needs the token) and prints the new leader. A node
 * that is no member is a 404 (exit 1), one that is no replica a 409 (exit 1). Confined to the
 * command's thread.
 */
@Command(name = "leader", mixinStandardHelpOptions = true,
        description = "Show the control plane's leader and term, or hand leadership to a replica with --promote.")
final class LeaderCommand implements Callable<Integer> {

    @Mixin
    LocalOptions local;

    @Mixin
    ApiOptions remote;

    @Option(names = "--promote", paramLabel = "ID", description = "Hand leadership to this replica: its name"
            + " (node-2) or a local node's index (2).")
    String promote;

    @Override
    public Integer call() {
        if (promote == null) {
            JsonNode l = remote.api(local).get("/api/cluster/leader").orThrow();
            System.out.println(local.json ? l.toPrettyString() : text(l));
            return 0;
        }
        String node = NodesCommand.nodeName("--promote", promote);
        JsonNode l = remote.api(local).post("/api/cluster/leader",
                new ObjectMapper().createObjectNode().put("node", node).toString()).orThrow();
        System.out.println(local.json ? l.toPrettyString() : "leader " + l.path("leader").asText("none")
                + " (term " + l.path("term").asText("-") + ")");
        return 0;
    }

    /** "leader node-1 (term 3), healthy, replicas node-1, node-2, node-3 (3 alive)", or "no leader ...". */
    static String text(JsonNode l) {
        StringBuilder out = new StringBuilder(l.path("leader").isTextual() ? "leader " + l.path("leader").asText()
                + " (term " + l.path("term").asText() + ")" : "no leader");
        if (l.has("healthy")) {
            out.append(l.path("healthy").asBoolean() ? ", healthy" : ", not healthy");
        }
        List<String> replicas = new ArrayList<>();
        l.path("replicas").forEach(r -> replicas.add(r.asText()));
        if (!replicas.isEmpty()) {
            out.append(", replicas ").append(String.join(", ", replicas)).append(" (")
                    .append(l.path("alive_replicas").asText("-")).append(" alive)");
        }
        return out.toString();
    }
}
