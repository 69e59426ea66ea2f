package dev.muster.scenario;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.muster.Durations;
import dev.muster.scenario.Scenario.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a scenario file (YAML):
 *
 * <pre>{@code
 * name: leader-failover
 * cluster: { size: 5, mode: process }     # or profile: small|medium|large|huge
 * seed: 42                                # optional: kill: random picks from it
 * steps:
 *   - wait: formed
 *   - kill: leader
 *   - expect: { leader: elected, within: 3s }
 * }</pre>
 *
 * Every step is a map of one key (the step) to its value; docs/scenarios.md lists them. Every
 * check runs here, before a cluster starts: an unknown key, a value of the wrong shape, a node
 * index outside the cluster or a malformed file is a {@link ScenarioException} naming the line.
 *
 * <p>Thread-safe: it holds no state.
 */
public final class ScenarioParser {

    /** The largest file read: a scenario is a page of steps, not a data set. */
    public static final int MAX_BYTES = 256 * 1024;
    /** How long an expectation waits when it gives no {@code within}. */
    public static final Duration DEFAULT_WITHIN = Duration.ofSeconds(10);
    /** The longest {@code within} or {@code wait}: every scenario ends by itself. */
    public static final Duration MAX_WAIT = Duration.ofMinutes(10);

    static final Map<String, Integer> PROFILES = Map.of("small", 5, "medium", 15, "large", 30, "huge", 50);
    static final List<String> STEPS = List.of("wait", "kill", "stop", "start", "restart", "partition", "heal",
            "pause", "delay", "loss", "inject", "submit", "expect");
    static final List<String> CONDITIONS = List.of("formed", "leader", "leaders", "alive", "dead", "coverage",
            "agents");

    private static final ObjectMapper YAML = new ObjectMapper(
            YAMLFactory.builder().enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private ScenarioParser() {}

    /** Reads and checks {@code file}. */
    public static Scenario parse(Path file) {
        String source = file.toString();
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new ScenarioException(source, 0, "the file is " + Files.size(file) + " bytes; a scenario may have at most "
                        + MAX_BYTES);
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ScenarioException(source, 0, "cannot read the file: " + e.getMessage());
        }
        String base = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        return parse(source, new String(bytes, java.nio.charset.StandardCharsets.UTF_8), base);
    }

    /** Reads and checks {@code text}, which came from {@code source}; {@code defaultName} names it when it does not. */
    public static Scenario parse(String source, String text, String defaultName) {
        try (JsonParser p = YAML.createParser(text)) {
            return new Reader(source, p).scenario(defaultName);
        } catch (ScenarioException e) {
            throw e;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new ScenarioException(source, at == null ? 0 : at.getLineNr(), "not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ScenarioException(source, 0, "cannot read: " + e.getMessage());
        }
    }

    /** A short text of expectation conditions, for the report. */
    static String describe(Map<String, Object> conditions) {
        StringBuilder sb = new StringBuilder();
        conditions.forEach((k, v) -> {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(k).append(' ').append(k.equals("coverage") ? Math.round((Double) v * 100) + "%" : v);
        });
        return sb.toString();
    }

    /** One pass over a file, remembering where each part was. */
    private static final class Reader {
        private final String source;
        private final JsonParser p;

        Reader(String source, JsonParser p) {
            this.source = source;
            this.p = p;
        }

        private ScenarioException error(int line, String message) {
            return new ScenarioException(source, line, message);
        }

        private int line() {
            return p.currentTokenLocation().getLineNr();
        }

        Scenario scenario(String defaultName) throws IOException {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw error(Math.max(1, line()), "a scenario is a map with name, cluster and steps; see docs/scenarios.md");
            }
            String name = defaultName;
            int size = 0;
            String mode = "process";
            long seed = 0;
            List<JsonNode> rawSteps = null;
            List<Integer> stepLines = new ArrayList<>();
            int stepsLine = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                int keyLine = line();
                p.nextToken();
                switch (key) {
                    case "name" -> {
                        JsonNode v = p.readValueAsTree();
                        if (!v.isTextual() || !v.asText().matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
                            throw error(keyLine, "name '" + v + "' must be 1-64 letters, digits, '.', '_' or '-'");
                        }
                        name = v.asText();
                    }
                    case "cluster" -> {
                        JsonNode c = p.readValueAsTree();
                        int[] sizeMode = cluster(c, keyLine);
                        size = sizeMode[0];
                        mode = sizeMode[1] == 0 ? "process" : "embedded";
                    }
                    case "seed" -> {
                        JsonNode v = p.readValueAsTree();
                        if (!v.canConvertToLong() || !v.isIntegralNumber()) {
                            throw error(keyLine, "seed '" + v + "' must be a whole number");
                        }
                        seed = v.asLong();
                    }
                    case "steps" -> {
                        stepsLine = keyLine;
                        if (p.currentToken() != JsonToken.START_ARRAY) {
                            throw error(keyLine, "steps must be a list, one '- step: value' per line");
                        }
                        rawSteps = new ArrayList<>();
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            stepLines.add(line());
                            rawSteps.add(p.readValueAsTree());
                        }
                    }
                    default -> throw error(keyLine, "unknown key '" + key + "'; a scenario has name, cluster, seed and steps");
                }
            }
            if (size == 0) {
                throw error(1, "cluster.size (or cluster.profile) is missing: how many nodes the scenario runs on");
            }
            if (rawSteps == null || rawSteps.isEmpty()) {
                throw error(Math.max(1, stepsLine), "steps are missing: a scenario needs at least one step");
            }
            List<Scenario.Step> steps = new ArrayList<>();
            for (int i = 0; i < rawSteps.size(); i++) {
                Scenario.Step step = step(rawSteps.get(i), stepLines.get(i), size);
                if (step.highestIndex() > size) {
                    throw error(step.line(), step.describe() + " names node " + step.highestIndex() + " of a "
                            + size + "-node cluster; nodes are 1.." + size);
                }
                steps.add(step);
            }
            return new Scenario(name, size, mode, seed, steps);
        }

        /** {size, mode-code}: mode 0 is process, 1 embedded. */
        private int[] cluster(JsonNode c, int line) {
            if (!c.isObject()) {
                throw error(line, "cluster must be a map such as { size: 5, mode: process }");
            }
            int size = 0;
            int mode = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                switch (e.getKey()) {
                    case "size" -> {
                        if (!v.isInt() || v.asInt() < 1 || v.asInt() > dev.muster.local.LocalCluster.MAX_SIZE) {
                            throw error(line, "cluster.size '" + v + "' must be a whole number from 1 to "
                                    + dev.muster.local.LocalCluster.MAX_SIZE);
                        }
                        size = v.asInt();
                    }
                    case "profile" -> {
                        Integer n = PROFILES.get(v.asText());
                        if (!v.isTextual() || n == null) {
                            throw error(line, "cluster.profile '" + v.asText() + "' must be small (5), medium (15), large (30) or huge (50)");
                        }
                        size = n;
                    }
                    case "mode" -> {
                        if (!v.isTextual() || !(v.asText().equals("process") || v.asText().equals("embedded"))) {
                            throw error(line, "cluster.mode '" + v.asText() + "' must be process or embedded");
                        }
                        mode = v.asText().equals("process") ? 0 : 1;
                    }
                    default -> throw error(line, "unknown key cluster." + e.getKey() + "; cluster has size, profile and mode");
                }
            }
            return new int[] {size, mode};
        }

        private Scenario.Step step(JsonNode s, int line, int size) {
            if (!s.isObject() || s.size() != 1) {
                throw error(line, "a step is one 'key: value', such as '- kill: leader'; the steps are "
                        + String.join(", ", STEPS));
            }
            String key = s.fieldNames().next();
            JsonNode v = s.get(key);
            return switch (key) {
                case "wait" -> wait(v, line);
                case "kill" -> new Scenario.Kill(line, target(v, line, "kill", size, false));
                case "stop" -> new Scenario.Stop(line, target(v, line, "stop", size, false));
                case "start" -> new Scenario.Start(line, index(v, line, "start", size));
                case "restart" -> new Scenario.Restart(line, target(v, line, "restart", size, true));
                case "partition" -> partition(v, line, size);
                case "heal" -> {
                    if (!(v.isNull() || (v.isObject() && v.isEmpty()))) {
                        throw error(line, "heal takes no value: write '- heal: {}'");
                    }
                    yield new Scenario.Heal(line);
                }
                case "pause" -> {
                    Map<String, JsonNode> f = fields(v, line, "pause", Set.of("node", "for"));
                    yield new Scenario.Pause(line, target(required(f, "node", line, "pause"), line, "pause.node", size, false),
                            bounded(duration(required(f, "for", line, "pause"), line, "pause.for"), line, "pause.for"));
                }
                case "delay" -> {
                    Map<String, JsonNode> f = fields(v, line, "delay", Set.of("node", "by", "jitter"));
                    Duration by = duration(required(f, "by", line, "delay"), line, "delay.by");
                    Duration jitter = f.containsKey("jitter") ? duration(f.get("jitter"), line, "delay.jitter") : Duration.ZERO;
                    if (by.compareTo(dev.muster.local.Chaos.MAX_DELAY) > 0 || jitter.compareTo(by) > 0) {
                        throw error(line, "delay.by '" + Durations.format(by) + "' must be at most "
                                + Durations.format(dev.muster.local.Chaos.MAX_DELAY) + ", and delay.jitter at most delay.by");
                    }
                    yield new Scenario.Delay(line, target(required(f, "node", line, "delay"), line, "delay.node", size, false),
                            by, jitter);
                }
                case "loss" -> {
                    Map<String, JsonNode> f = fields(v, line, "loss", Set.of("node", "rate"));
                    double rate = share(required(f, "rate", line, "loss"), line, "loss.rate");
                    yield new Scenario.Loss(line, target(required(f, "node", line, "loss"), line, "loss.node", size, false),
                            rate);
                }
                case "inject" -> inject(v, line, size);
                case "submit" -> submit(v, line);
                case "expect" -> expect(v, line, size);
                default -> throw error(line, "unknown step '" + key + "'; the steps are " + String.join(", ", STEPS));
            };
        }

        private Scenario.Step wait(JsonNode v, int line) {
            if (v.isObject()) { // wait: { for: formed, within: 30s }
                Map<String, JsonNode> f = fields(v, line, "wait", Set.of("for", "within"));
                String what = f.containsKey("for") ? f.get("for").asText() : "";
                Duration within = f.containsKey("within") ? duration(f.get("within"), line, "wait.within") : null;
                return waitFor(what, within, line);
            }
            String text = v.asText();
            if (text.equals("formed") || text.equals("leader")) {
                return waitFor(text, null, line);
            }
            Duration d;
            try {
                d = Durations.parse("wait", text);
            } catch (IllegalArgumentException e) {
                throw error(line, "wait '" + text + "' must be formed, leader or a duration such as 2s");
            }
            return new Scenario.Wait(line, "time", bounded(d, line, "wait"), null);
        }

        private Scenario.Wait waitFor(String what, Duration within, int line) {
            if (!what.equals("formed") && !what.equals("leader")) {
                throw error(line, "wait.for '" + what + "' must be formed or leader");
            }
            return new Scenario.Wait(line, what, null, within);
        }

        private Target target(JsonNode v, int line, String step, int size, boolean allowAll) {
            String text = v.asText();
            switch (text) {
                case "leader":
                    return new Target.Leader();
                case "random":
                    return new Target.Random();
                case "all":
                    if (allowAll) {
                        return new Target.All();
                    }
                    break;
                default:
                    if (v.isInt() || text.matches("node-\\d+")) {
                        return new Target.Node(index(v, line, step, size));
                    }
            }
            throw error(line, step + " '" + text + "' must be a node (1.." + size + " or node-N), leader, random"
                    + (allowAll ? " or all" : ""));
        }

        private int index(JsonNode v, int line, String what, int size) {
            String text = v.asText();
            int i;
            if (v.isInt()) {
                i = v.asInt();
            } else if (text.matches("node-\\d{1,3}")) {
                i = Integer.parseInt(text.substring(5));
            } else {
                throw error(line, what + " '" + text + "' must be a node index (1.." + size + ") or name (node-N)");
            }
            if (i < 1 || i > dev.muster.local.LocalCluster.MAX_SIZE) {
                throw error(line, what + " '" + text + "' must be a node from 1 to " + size);
            }
            return i; // checked against the size the scenario runs at by the runner's plan
        }

        private Scenario.Step partition(JsonNode v, int line, int size) {
            if (!v.isArray() || v.size() < 1) {
                throw error(line, "partition must be a list of sides, such as [[1, 2, 3], [4, 5]]");
            }
            List<Set<Integer>> sides = new ArrayList<>();
            Set<Integer> seen = new LinkedHashSet<>();
            for (JsonNode side : v) {
                if (!side.isArray() || side.isEmpty()) {
                    throw error(line, "partition side " + side + " must be a non-empty list of nodes, such as [1, 2]");
                }
                Set<Integer> s = new LinkedHashSet<>();
                for (JsonNode n : side) {
                    int i = index(n, line, "partition node", size);
                    if (!seen.add(i)) {
                        throw error(line, "partition names node " + i + " twice; each node is on one side");
                    }
                    s.add(i);
                }
                sides.add(java.util.Collections.unmodifiableSet(s));
            }
            return new Scenario.Partition(line, sides);
        }

        private Scenario.Step inject(JsonNode v, int line, int size) {
            Map<String, JsonNode> f = fields(v, line, "inject", Set.of("content", "energy", "fanout", "node"));
            if (!f.containsKey("content") || !f.get("content").isTextual() || f.get("content").asText().isEmpty()) {
                throw error(line, "inject.content is missing: the text to inject, such as { content: \"hello\", energy: 10 }");
            }
            int energy = number(f.get("energy"), 10, 0, 64, line, "inject.energy");
            int fanout = number(f.get("fanout"), 3, 1, 32, line, "inject.fanout");
            int node = f.containsKey("node") ? index(f.get("node"), line, "inject.node", size) : 1;
            return new Scenario.Inject(line, f.get("content").asText(), energy, fanout, node);
        }

        private Scenario.Step submit(JsonNode v, int line) {
            Map<String, JsonNode> f = fields(v, line, "submit", Set.of("agents", "type"));
            int n = number(f.get("agents"), -1, 1, 1000, line, "submit.agents");
            String type = f.containsKey("type") ? f.get("type").asText() : "counter";
            if (!type.matches("[a-z][a-z0-9-]{0,31}")) {
                throw error(line, "submit.type '" + type + "' must be an agent type name such as counter");
            }
            return new Scenario.Submit(line, n, type);
        }

        private Scenario.Step expect(JsonNode v, int line, int size) {
            Set<String> allowed = new LinkedHashSet<>(CONDITIONS);
            allowed.add("within");
            allowed.add("seen_by");
            Map<String, JsonNode> f = fields(v, line, "expect", allowed);
            Duration within = f.containsKey("within") ? bounded(duration(f.get("within"), line, "expect.within"), line,
                    "expect.within") : DEFAULT_WITHIN;
            Map<String, Object> c = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : f.entrySet()) {
                JsonNode x = e.getValue();
                String k = e.getKey();
                switch (k) {
                    case "within" -> { }
                    case "formed" -> {
                        if (!x.isBoolean() || !x.asBoolean()) {
                            throw error(line, "expect.formed '" + x + "' must be true (every running node sees every running node alive)");
                        }
                        c.put(k, true);
                    }
                    case "leader" -> {
                        String t = x.asText();
                        if (!x.isTextual() || !(t.equals("elected") || t.equals("none") || t.matches("node-\\d{1,3}"))) {
                            throw error(line, "expect.leader '" + t + "' must be elected, none or a node name (node-N)");
                        }
                        c.put(k, t);
                    }
                    case "leaders", "alive", "agents" -> c.put(k, number(x, -1, 0, 1000, line, "expect." + k));
                    case "dead", "seen_by" -> {
                        if (!x.isArray() || x.isEmpty()) {
                            throw error(line, "expect." + k + " must be a list of nodes, such as [4, 5]");
                        }
                        List<Integer> nodes = new ArrayList<>();
                        for (JsonNode n : x) {
                            nodes.add(index(n, line, "expect." + k + " node", size));
                        }
                        c.put(k, List.copyOf(nodes));
                    }
                    case "coverage" -> c.put(k, share(x, line, "expect.coverage"));
                    default -> throw new AssertionError(k);
                }
            }
            if (c.isEmpty() || (c.size() == 1 && c.containsKey("seen_by"))) {
                throw error(line, "expect names no condition; the conditions are " + String.join(", ", CONDITIONS));
            }
            return new Scenario.Expect(line, c, within);
        }

        private JsonNode required(Map<String, JsonNode> f, String key, int line, String step) {
            JsonNode v = f.get(key);
            if (v == null) {
                throw error(line, step + "." + key + " is missing");
            }
            return v;
        }

        private double share(JsonNode x, int line, String what) {
            String t = x.asText().strip();
            double d;
            try {
                d = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1)) / 100 : Double.parseDouble(t);
            } catch (NumberFormatException e) {
                d = -1;
            }
            if (!(d > 0 && d <= 1)) {
                throw error(line, what + " '" + t + "' must be a share above 0% up to 100%, such as 10% or 0.1");
            }
            return d;
        }

        private Map<String, JsonNode> fields(JsonNode v, int line, String step, Set<String> allowed) {
            if (!v.isObject()) {
                throw error(line, step + " takes a map of " + String.join(", ", allowed) + ", such as { "
                        + allowed.iterator().next() + ": ... }");
            }
            Map<String, JsonNode> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!allowed.contains(e.getKey())) {
                    throw error(line, "unknown key " + step + "." + e.getKey() + "; " + step + " takes "
                            + String.join(", ", allowed));
                }
                out.put(e.getKey(), e.getValue());
            }
            return out;
        }

        private int number(JsonNode x, int fallback, int min, int max, int line, String what) {
            if (x == null && fallback >= 0) {
                return fallback;
            }
            if (x == null || !x.isInt() || x.asInt() < min || x.asInt() > max) {
                throw error(line, what + " '" + (x == null ? "" : x.asText()) + "' must be a whole number from " + min
                        + " to " + max);
            }
            return x.asInt();
        }

        private Duration duration(JsonNode x, int line, String what) {
            try {
                return Durations.parse(what, x.asText());
            } catch (IllegalArgumentException e) {
                throw error(line, e.getMessage());
            }
        }

        private Duration bounded(Duration d, int line, String what) {
            if (d.isNegative() || d.compareTo(MAX_WAIT) > 0) {
                throw error(line, what + " '" + Durations.format(d) + "' must be at most " + Durations.format(MAX_WAIT));
            }
            return d;
        }
    }
}
