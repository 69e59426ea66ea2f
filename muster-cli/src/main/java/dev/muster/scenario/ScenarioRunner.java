package dev.muster.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muster.Durations;
import dev.muster.local.ApiToken;
import dev.muster.local.Chaos;
import dev.muster.local.LocalCluster;
import dev.muster.local.NodeClient;
import dev.muster.scenario.Scenario.Target;
import dev.muster.scenario.ScenarioReport.Outcome;
import dev.muster.scenario.ScenarioReport.StepResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Runs a {@link Scenario}'s steps, in order, on a running {@link LocalCluster}, through each
 * node's REST API (with the cluster's token), the cluster's process control (kill, stop, start)
 * and {@link Chaos} (partition, heal, pause, delay, loss, as {@code muster chaos} applies them). The first step that fails ends the run; the rest are reported as skipped. Every wait
 * is bounded ({@code within}, times the slack), so a run ends by itself.
 *
 * <p>Not thread-safe: one run at a time, on the caller's thread.
 */
public final class ScenarioRunner {

    /** How long a node start, a rolling restart's rejoin or {@code wait: formed} may take, before the slack. */
    static final Duration START_WITHIN = Duration.ofSeconds(60);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final long POLL_NANOS = 50_000_000L;

    private final LocalCluster cluster;
    private final NodeClient client;
    private final Random random;
    private final double slack;
    private final String agentPrefix;
    private final Consumer<StepResult> progress;
    private final Chaos chaos;
    private final StringBuilder said = new StringBuilder();
    private String lastDigest;
    private int agentsSubmitted;

    /**
     * @param slack multiplies every {@code within} (a shared or slow host needs more room; 1 runs the file as written)
     * @param progress told of each step's result as it ends
     */
    public ScenarioRunner(LocalCluster cluster, long seed, double slack, String agentPrefix, Consumer<StepResult> progress) {
        if (!(slack >= 1 && slack <= 100)) {
            throw new IllegalArgumentException("slack '" + slack + "' must be from 1 to 100");
        }
        this.cluster = cluster;
        this.client = new NodeClient(cluster.bindHost(), cluster.token().orElse(null));
        ApiToken token = cluster.token().map(t -> new ApiToken(t, cluster.tokenFile().toString())).orElse(ApiToken.NONE);
        this.chaos = Chaos.local(cluster, token, line -> said.append(said.isEmpty() ? "" : "; ").append(line));
        this.random = new Random(seed);
        this.slack = slack;
        this.agentPrefix = agentPrefix;
        this.progress = progress;
    }

    /** Runs every step; the results in order (after a failure, the rest skipped). */
    public List<StepResult> run(List<Scenario.Step> steps) {
        List<StepResult> results = new ArrayList<>();
        boolean failed = false;
        for (Scenario.Step step : steps) {
            StepResult r;
            if (failed) {
                r = new StepResult(step.line(), step.describe(), Outcome.SKIP, 0, "");
            } else {
                long t0 = System.nanoTime();
                String detail;
                Outcome outcome;
                try {
                    detail = execute(step);
                    outcome = Outcome.PASS;
                } catch (StepFailed | IllegalArgumentException | IllegalStateException e) {
                    detail = e.getMessage();
                    outcome = Outcome.FAIL;
                } catch (RuntimeException e) {
                    detail = e.toString();
                    outcome = Outcome.FAIL;
                }
                failed = outcome == Outcome.FAIL;
                r = new StepResult(step.line(), step.describe(), outcome, (System.nanoTime() - t0) / 1_000_000, detail);
            }
            results.add(r);
            progress.accept(r);
        }
        return results;
    }

    /** A step that did not do what it says: its message is what was seen instead. */
    static final class StepFailed extends RuntimeException {
        StepFailed(String message) {
            super(message, null, false, false);
        }
    }

    private Duration scaled(Duration d) {
        return Duration.ofNanos((long) (d.toNanos() * slack));
    }

    private String execute(Scenario.Step step) {
        return switch (step) {
            case Scenario.Wait w when w.time() != null -> {
                LockSupport.parkNanos(w.time().toNanos());
                yield "";
            }
            case Scenario.Wait w -> {
                Map<String, Object> c = w.what().equals("formed") ? Map.of("formed", true) : Map.of("leader", "elected");
                yield await(c, scaled(w.within() != null ? w.within() : START_WITHIN));
            }
            case Scenario.Kill k -> {
                int i = resolve(k.target());
                cluster.kill(i);
                yield "killed " + cluster.name(i);
            }
            case Scenario.Stop s -> {
                int i = resolve(s.target());
                cluster.stop(i);
                yield "stopped " + cluster.name(i);
            }
            case Scenario.Start s -> {
                cluster.startNode(s.index(), scaled(START_WITHIN));
                yield "started " + cluster.name(s.index());
            }
            case Scenario.Restart r when r.target() instanceof Target.All -> {
                for (int i = 1; i <= cluster.size(); i++) {
                    cluster.restart(i, scaled(START_WITHIN));
                    String failure = awaitOrNull(Map.of("formed", true), scaled(START_WITHIN));
                    if (failure != null) {
                        throw new StepFailed("after restarting " + cluster.name(i) + ": " + failure);
                    }
                }
                yield "restarted " + cluster.size() + " nodes one by one, each rejoined before the next";
            }
            case Scenario.Restart r -> {
                int i = resolve(r.target());
                cluster.restart(i, scaled(START_WITHIN));
                yield "restarted " + cluster.name(i);
            }
            case Scenario.Partition p -> partition(p.sides());
            case Scenario.Heal h -> heal();
            case Scenario.Pause p -> chaos(c -> c.pause(node(resolve(p.target())), p.hold()));
            case Scenario.Delay d -> chaos(c -> c.delay(node(resolve(d.target())), d.delay(), d.jitter()));
            case Scenario.Loss l -> chaos(c -> c.loss(node(resolve(l.target())), l.rate()));
            case Scenario.Inject in -> inject(in);
            case Scenario.Submit s -> submit(s);
            case Scenario.Expect e -> await(e.conditions(), scaled(e.within()));
        };
    }

    // ------------------------------------------------------------------ targets

    private List<Integer> running() {
        List<Integer> up = new ArrayList<>();
        for (int i = 1; i <= cluster.size(); i++) {
            if (cluster.isRunning(i)) {
                up.add(i);
            }
        }
        return up;
    }

    private int resolve(Target t) {
        return switch (t) {
            case Target.Node n -> n.index();
            case Target.Leader l -> leader().map(name -> Integer.parseInt(name.substring(name.lastIndexOf('-') + 1)))
                    .orElseThrow(() -> new StepFailed("no running node knows a leader"));
            case Target.Random r -> {
                List<Integer> up = running();
                if (up.isEmpty()) {
                    throw new StepFailed("no node is running");
                }
                yield up.get(random.nextInt(up.size()));
            }
            case Target.All a -> throw new IllegalStateException("all is a target of restart only");
        };
    }

    private Optional<String> leader() {
        for (int i : running()) {
            Optional<String> l = info(i).map(j -> j.path("leader")).filter(JsonNode::isTextual).map(JsonNode::asText);
            if (l.isPresent()) {
                return l;
            }
        }
        return Optional.empty();
    }

    private Optional<JsonNode> info(int i) {
        return client.get(cluster.httpPort(i), "/api/cluster/info");
    }

    // ------------------------------------------------------------------ faults and injections

    private String partition(List<Set<Integer>> named) {
        List<Set<Chaos.Node>> sides = new ArrayList<>();
        Set<Integer> rest = new java.util.TreeSet<>();
        for (int i = 1; i <= cluster.size(); i++) {
            rest.add(i);
        }
        for (Set<Integer> side : named) {
            rest.removeAll(side);
            sides.add(nodes(side));
        }
        if (!rest.isEmpty()) {
            sides.add(nodes(rest)); // the nodes on no side form one more
        }
        return chaos(c -> c.partition(sides, new java.util.LinkedHashSet<>(), false));
    }

    private Set<Chaos.Node> nodes(Set<Integer> indexes) {
        Set<Chaos.Node> out = new java.util.LinkedHashSet<>();
        indexes.forEach(i -> out.add(node(i)));
        return out;
    }

    private Chaos.Node node(int index) {
        return chaos.node("node", Integer.toString(index));
    }

    /** Runs a fault through {@link Chaos}: what it did, as it says it. */
    private String chaos(Consumer<Chaos> action) {
        said.setLength(0);
        action.accept(chaos);
        return said.toString();
    }

    private String heal() {
        return chaos(Chaos::heal);
    }

    private String inject(Scenario.Inject in) {
        if (!cluster.isRunning(in.node())) {
            throw new StepFailed(cluster.name(in.node()) + " is not running");
        }
        NodeClient.Raw raw = client.exchange(cluster.httpPort(in.node()), "POST",
                        "/api/cluster/content?energy=" + in.energy() + "&fanout=" + in.fanout(),
                        in.content().getBytes(StandardCharsets.UTF_8), "application/octet-stream", REQUEST_TIMEOUT)
                .orElseThrow(() -> new StepFailed(cluster.name(in.node()) + " does not answer on its HTTP port"));
        JsonNode body = NodeClient.json(raw.body());
        if (raw.status() != 201) {
            throw new StepFailed(cluster.name(in.node()) + " refused the content (" + raw.status() + "): " + body);
        }
        lastDigest = body.path("digest").asText();
        return "digest " + lastDigest.substring(0, Math.min(12, lastDigest.length()));
    }

    private String submit(Scenario.Submit s) {
        int first = agentsSubmitted + 1;
        for (int k = 0; k < s.agents(); k++) {
            String id = agentPrefix + "-" + (agentsSubmitted + 1);
            String body = "{\"id\": \"" + id + "\", \"type\": \"" + s.type() + "\"}";
            NodeClient.Answer ans = null;
            for (int i : running()) {
                ans = client.send(cluster.httpPort(i), "POST", "/api/cluster/agents", body, REQUEST_TIMEOUT).orElse(null);
                if (ans != null) {
                    break;
                }
            }
            if (ans == null || ans.status() != 201) {
                throw new StepFailed("agent " + id + " was not accepted: "
                        + (ans == null ? "no node answers" : ans.status() + " " + ans.body()));
            }
            agentsSubmitted++;
        }
        return "agents " + agentPrefix + "-" + first + ".." + agentsSubmitted;
    }

    // ------------------------------------------------------------------ expectations

    private String await(Map<String, Object> conditions, Duration within) {
        String failure = awaitOrNull(conditions, within);
        if (failure != null) {
            throw new StepFailed("not after " + Durations.format(within) + ": " + failure);
        }
        return "";
    }

    /** Polls until every condition holds (null) or {@code within} passed (what the last look saw). */
    private String awaitOrNull(Map<String, Object> conditions, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            String failure = check(conditions);
            if (failure == null || System.nanoTime() > deadline) {
                return failure;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Null when every condition holds; else the first one that does not, as seen. */
    private String check(Map<String, Object> conditions) {
        List<Integer> running = running();
        List<Integer> up = new ArrayList<>(running);
        if (conditions.get("seen_by") instanceof List<?> observers) {
            up.retainAll(observers); // the conditions as these nodes see them
        }
        if (up.isEmpty()) {
            return conditions.containsKey("seen_by") ? "no node of seen_by " + conditions.get("seen_by") + " is running"
                    : "no node is running";
        }
        for (Map.Entry<String, Object> c : conditions.entrySet()) {
            String failure = switch (c.getKey()) {
                case "seen_by" -> null;
                case "formed" -> alive(up, running.size());
                case "alive" -> alive(up, (Integer) c.getValue());
                case "leader" -> leaderIs(up, running, (String) c.getValue());
                case "leaders" -> leaders(up, (Integer) c.getValue());
                case "dead" -> dead(up, (List<?>) c.getValue());
                case "coverage" -> coverage(up, (Double) c.getValue());
                case "agents" -> agents(up, running, (Integer) c.getValue());
                default -> throw new IllegalStateException("unknown condition " + c.getKey());
            };
            if (failure != null) {
                return failure;
            }
        }
        return null;
    }

    private String alive(List<Integer> up, int expected) {
        for (int i : up) {
            Optional<JsonNode> info = info(i);
            if (info.isEmpty()) {
                return cluster.name(i) + " does not answer";
            }
            int alive = info.get().path("alive").asInt();
            if (alive != expected) {
                return cluster.name(i) + " sees " + alive + " alive, not " + expected;
            }
        }
        return null;
    }

    private String leaderIs(List<Integer> up, List<Integer> runningNodes, String expected) {
        Set<String> running = new HashSet<>();
        runningNodes.forEach(i -> running.add(cluster.name(i)));
        String agreed = null;
        for (int i : up) {
            Optional<JsonNode> info = info(i);
            if (info.isEmpty()) {
                return cluster.name(i) + " does not answer";
            }
            JsonNode l = info.get().path("leader");
            String leader = l.isTextual() ? l.asText() : null;
            if (expected.equals("none")) {
                if (leader != null) {
                    return cluster.name(i) + " knows leader " + leader;
                }
                continue;
            }
            if (leader == null) {
                return cluster.name(i) + " knows no leader";
            }
            if (!running.contains(leader)) {
                return cluster.name(i) + " still names " + leader + ", which is not running";
            }
            if (agreed != null && !agreed.equals(leader)) {
                return "nodes disagree: " + agreed + " and " + leader;
            }
            agreed = leader;
        }
        if (!expected.equals("none") && !expected.equals("elected") && !expected.equals(agreed)) {
            return "the leader is " + agreed + ", not " + expected;
        }
        return null;
    }

    private String leaders(List<Integer> up, int expected) {
        List<String> claim = new ArrayList<>();
        for (int i : up) {
            Optional<JsonNode> info = info(i);
            if (info.isEmpty()) {
                return cluster.name(i) + " does not answer";
            }
            if (info.get().path("role").asText().equals("leader")) {
                claim.add(cluster.name(i));
            }
        }
        return claim.size() == expected ? null : claim.size() + " nodes are leader " + claim + ", not " + expected;
    }

    private String dead(List<Integer> up, List<?> dead) {
        for (int i : up) {
            for (Object o : dead) {
                int d = (Integer) o;
                if (d == i) {
                    return cluster.name(d) + " is running";
                }
                String state = client.get(cluster.httpPort(i), "/api/cluster/nodes/" + cluster.name(d))
                        .map(j -> j.path("state").asText()).orElse("unknown");
                if (!state.equals("dead")) {
                    return cluster.name(i) + " sees " + cluster.name(d) + " " + state + ", not dead";
                }
            }
        }
        return null;
    }

    private String coverage(List<Integer> up, double share) {
        if (lastDigest == null) {
            return "nothing was injected before this expectation";
        }
        int holders = 0;
        for (int i : up) {
            Optional<NodeClient.Raw> r = client.exchange(cluster.httpPort(i), "GET",
                    "/api/cluster/content/" + lastDigest + "/info", null, null, REQUEST_TIMEOUT);
            if (r.isPresent() && r.get().status() == 200) {
                holders++;
            }
        }
        return holders >= Math.ceil(share * up.size() - 1e-9) ? null
                : holders + " of " + up.size() + " running nodes hold it, not " + Math.round(share * 100) + "%";
    }

    /** The agent list as the first of {@code up} that answers tells it; an agent counts on any running node. */
    private String agents(List<Integer> up, List<Integer> runningNodes, int expected) {
        Set<String> running = new HashSet<>();
        runningNodes.forEach(i -> running.add(cluster.name(i)));
        JsonNode list = null;
        for (int i : up) {
            list = client.get(cluster.httpPort(i), "/api/cluster/agents").orElse(null);
            if (list != null && list.isArray()) {
                break;
            }
        }
        if (list == null || !list.isArray()) {
            return "no node lists the agents";
        }
        int ok = 0;
        List<String> off = new ArrayList<>();
        for (JsonNode a : list) {
            boolean onUp = running.contains(a.path("node").asText());
            if (a.path("phase").asText().equals("running") && onUp) {
                ok++;
            } else if (off.size() < 3) {
                off.add(a.path("id").asText() + " " + a.path("phase").asText() + " on " + a.path("node").asText());
            }
        }
        return ok == expected ? null : ok + " agents run on running nodes, not " + expected
                + (off.isEmpty() ? "" : " (" + String.join(", ", off) + ")");
    }
}
