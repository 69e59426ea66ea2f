package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.local.EventStream;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code muster events}: the cluster's events as a node streams them ({@code GET
 * /api/cluster/events}, server-sent events), one line each: time, type, summary; {@code --json}
 * prints each event's data as one JSON object a line, with its {@code id}. Without
 * {@code --follow} it prints the events the node still holds (its bounded buffer) and exits; with
 * it, it prints those and then streams until Ctrl-C and reconnects (resuming after the last id) or fails over to
 * another running node of the local cluster when the node drops. Connection notices go to
 * stderr. Confined to the command's thread (the stream reads on a virtual thread of its own).
 */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Print the cluster's events (member, leader, strategy, status, assignment, service); --follow streams.")
final class EventsCommand implements Callable<Integer> {

    /** An event's time, UTC to the millisecond: always 24 characters, so the columns line up. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    @Mixin
    LocalOptions local;

    @Mixin
    ApiOptions remote;

    @Option(names = {"-f", "--follow"}, description = "Keep streaming until Ctrl-C; reconnect when the node drops.")
    boolean follow;

    @Option(names = "--types", paramLabel = "TYPE,...", description = "Only these types: member, leader, strategy,"
            + " status, assignment, service (a reset always comes through).")
    String types;

    @Option(names = "--since", paramLabel = "ID", description = "Resume after this event id (as --json prints it).")
    String since;

    @Override
    public Integer call() {
        String filter = types == null ? null : types(types);
        if (since != null && (since.isBlank() || since.length() > 256 || !since.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
            throw new IllegalArgumentException("--since: '" + since + "' is no event id (one word of printable ASCII,"
                    + " like 7f3a.42, as 'muster events --json' prints them)");
        }
        EventStream stream = new EventStream(remote.api(local), filter, since);
        PrintStream out = System.out;
        stream.run(follow, e -> {
            out.println(local.json ? json(e) : line(e));
            out.flush();
        }, notice -> System.err.println("muster: " + notice));
        return 0;
    }

    /**
     * The --types value as the API's {@code ?types=}: known types, without repeats.
     *
     * @throws IllegalArgumentException naming the unknown type and the known ones
     */
    static String types(String value) {
        Set<String> out = new LinkedHashSet<>();
        for (String t : value.split(",", -1)) {
            String type = t.strip();
            if (!EventStream.TYPES.contains(type) || type.equals("reset")) {
                throw new IllegalArgumentException("--types: '" + type + "' is not an event type; use "
                        + String.join(", ", EventStream.TYPES.subList(0, EventStream.TYPES.size() - 1)));
            }
            out.add(type);
        }
        return String.join(",", out);
    }

    /** One JSON object: the event's data, with its id. */
    static String json(EventStream.Event e) {
        ObjectNode o = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        o.put("id", e.id());
        o.put("type", e.type());
        if (e.data() != null && e.data().isObject()) {
            e.data().fields().forEachRemaining(f -> o.set(f.getKey(), f.getValue()));
        }
        return o.toString();
    }

    /** "2026-12-02T07:40:01.123Z  member      node-3 joined (alive, incarnation 0, 127.0.0.1:7966)". */
    static String line(EventStream.Event e) {
        JsonNode d = e.data() == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : e.data();
        String time = d.path("at_ms").isNumber() ? TIME.format(Instant.ofEpochMilli(d.path("at_ms").asLong())) : "-";
        return String.format("%-24s  %-10s  %s", time, e.type(), summary(e.type(), d));
    }

    /** What the event says, in a few words. */
    static String summary(String type, JsonNode d) {
        return switch (type) {
            case "member" -> d.path("node").asText("?") + " " + d.path("kind").asText("?") + " (" + d.path("state").asText("?")
                    + ", incarnation " + d.path("incarnation").asText("?")
                    + (d.path("address").isTextual() ? ", " + d.path("address").asText() : "") + ")";
            case "leader" -> (d.path("leader").isTextual() ? d.path("leader").asText() + " leads" : "no leader")
                    + (d.path("term").isNumber() ? ", term " + d.path("term").asLong() : "")
                    + (d.path("previous").isTextual() ? " (was " + d.path("previous").asText() + ")" : "");
            case "strategy" -> "strategy " + d.path("strategy").asText("?");
            case "status" -> d.path("node").asText("?") + " is " + d.path("status").asText("?");
            case "assignment" -> d.path("id").asText("?") + " " + d.path("kind").asText("?")
                    + (d.path("node").isTextual() ? " on " + d.path("node").asText() : "")
                    + (d.path("previous_node").isTextual() ? " (from " + d.path("previous_node").asText() + ")" : "")
                    + (d.path("phase").isTextual() ? ", " + d.path("phase").asText() : "");
            case "service" -> d.path("service").asText("?") + " " + d.path("kind").asText("?")
                    + (d.path("node").isTextual() ? " on " + d.path("node").asText() : "");
            case "reset" -> "the node lost track (" + d.path("reason").asText("?") + "): what came before may be"
                    + " missing; re-read the state";
            default -> fields(d);
        };
    }

    /** Every field but the envelope's, as k=v. */
    private static String fields(JsonNode d) {
        List<String> parts = new ArrayList<>();
        d.fields().forEachRemaining(f -> {
            if (!Set.of("seq", "at_ms", "type").contains(f.getKey())) {
                parts.add(f.getKey() + "=" + (f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString()));
            }
        });
        return String.join(" ", parts);
    }
}
