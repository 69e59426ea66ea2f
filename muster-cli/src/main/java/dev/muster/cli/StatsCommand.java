package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code muster stats}: the cluster in numbers ({@code GET /api/cluster/stats} on the node at
 * {@code --url}, or the first running node of the local cluster): nodes by state, role and status, agents by phase, utilisation, the
 * strategy and the leader, as that node sees them; and that node's own counters of each service.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Show the cluster's numbers: nodes by state, role and status, agents by phase, utilisation.")
final class StatsCommand implements Callable<Integer> {

    @Mixin
    LocalOptions local;


    @Mixin

    ApiOptions remote;

    @Override
    public Integer call() {
        JsonNode s = remote.api(local).get("/api/cluster/stats").orThrow();
        System.out.print(local.json ? s.toPrettyString() + "\n" : text(s));
        return 0;
    }

    /** The stats as a few lines of text. */
    static String text(JsonNode s) {
        JsonNode agents = s.path("agents");
        JsonNode u = s.path("utilisation");
        StringBuilder out = new StringBuilder();
        out.append("nodes ").append(s.path("nodes").asInt()).append(": ").append(counts(s.path("by_state"))).append('\n');
        out.append("roles: ").append(counts(s.path("by_role"))).append('\n');
        out.append("status: ").append(counts(s.path("by_status"))).append('\n');
        out.append("agents ").append(agents.path("total").asInt()).append(": ").append(counts(agents.path("by_phase")))
                .append(" (").append(agents.path("assigned").asInt()).append(" placed)\n");
        out.append("utilisation: agents ").append(u.path("agents").asLong()).append('/').append(u.path("max_agents").asLong())
                .append(", cpu ").append(percent(u.path("cpu_avg"))).append(", memory ").append(percent(u.path("memory_avg")))
                .append(" (").append(u.path("reporting").asInt()).append(" reporting)\n");
        out.append("strategy ").append(s.path("strategy").asText("-"));
        if (s.path("version").isNumber()) {
            out.append(" (state version ").append(s.path("version").asLong()).append(')');
        }
        out.append(", leader ").append(s.path("leader").isTextual()
                ? s.path("leader").asText() + " (term " + s.path("term").asLong() + ")" : "none").append('\n');
        s.path("services").fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            out.append("service ").append(e.getKey()).append(": ").append(plural(v.path("instances").asLong(), "instance"))
                    .append("; this node made ").append(plural(v.path("calls").asLong(), "call")).append(" (")
                    .append(v.path("errors").asLong()).append(" failed, ").append(v.path("timeouts").asLong())
                    .append(" timed out, p99 ").append(String.format(java.util.Locale.ROOT, "%.1f",
                            v.at("/latency_ms/p99").asDouble())).append(" ms) and served ")
                    .append(v.path("served").asLong()).append(" (").append(v.path("serve_errors").asLong())
                    .append(" failed)\n");
        });
        return out.toString();
    }

    private static String plural(long n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    private static String counts(JsonNode byName) {
        List<String> parts = new ArrayList<>();
        byName.fields().forEachRemaining(e -> parts.add(e.getKey() + " " + e.getValue().asInt()));
        return parts.isEmpty() ? "-" : String.join(", ", parts);
    }

    /** A 0..1 fraction as a whole percentage; "-" when it is not a number (not reported). */
    static String percent(JsonNode fraction) {
        return fraction.isNumber() ? Math.round(fraction.asDouble() * 100) + "%" : "-";
    }
}
