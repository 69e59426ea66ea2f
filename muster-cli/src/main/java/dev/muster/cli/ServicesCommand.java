package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code muster services [NAME]}: the services of the local cluster and their instances, as the
 * first running node (or the node at --url) sees them ({@code GET /api/cluster/services}, or {@code /services/NAME}); a
 * service nobody offers exits 1.
 */
@Command(name = "services", mixinStandardHelpOptions = true,
        description = "List the services the nodes offer and their instances ('muster serve --service' registers one).")
final class ServicesCommand implements Callable<Integer> {

    @Mixin
    LocalOptions local;


    @Mixin

    ApiOptions remote;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Only this service.")
    String name;

    @Override
    public Integer call() {
        if (name != null) {
            ServiceOption.checkName("NAME", name);
        }
        JsonNode answer = remote.api(local).get("/api/cluster/services" + (name == null ? "" : "/" + name)).orThrow();
        if (local.json) {
            System.out.println(answer.toPrettyString());
        } else {
            System.out.print(table(name == null ? answer : JsonNodeFactory.instance.objectNode().set(name, answer)));
        }
        return 0;
    }

    /** The catalog as a table: SERVICE NODE ADDRESS HEALTH METADATA, one row per instance. */
    static String table(JsonNode catalog) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SERVICE", "NODE", "ADDRESS", "HEALTH", "METADATA"});
        for (Map.Entry<String, JsonNode> service : (Iterable<Map.Entry<String, JsonNode>>) catalog::fields) {
            for (JsonNode i : service.getValue()) {
                List<String> meta = new ArrayList<>();
                i.path("metadata").fields().forEachRemaining(e -> meta.add(e.getKey() + "=" + e.getValue().asText()));
                rows.add(new String[] {service.getKey(), i.path("node").asText(), i.path("address").asText(),
                        i.path("health").asText(), meta.isEmpty() ? "-" : String.join(",", meta)});
            }
        }
        StringBuilder out = new StringBuilder(Table.format(rows));
        if (rows.size() == 1) {
            out.append("(no services; 'muster serve --service NAME=CLASS' registers one)\n");
        }
        return out.toString();
    }
}
