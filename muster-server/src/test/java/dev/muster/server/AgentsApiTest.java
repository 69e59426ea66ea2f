package dev.muster.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import dev.muster.control.ControlException;
import dev.muster.control.Mutation;

import static dev.muster.server.Http.assertError;
import static dev.muster.server.Http.delete;
import static dev.muster.server.Http.get;
import static dev.muster.server.Http.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muster.Cluster;
import dev.muster.agents.AgentRuntime;
import dev.muster.agents.AgentTypes;
import dev.muster.control.ControlConfig;
import dev.muster.control.ControlPlane;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent endpoints on a two-node cluster in this JVM, wired as {@code muster serve} wires a
 * node: control plane, agent runtime (built-in types), health reporter publishing four slots and
 * the runtime's running count, and the HTTP server. node-1 is the only replica; agents are
 * submitted, run, listed, migrated and stopped through either node's API, and every bad request
 * is refused with a reason and changes nothing.
 */
class AgentsApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    private static final List<Cluster> nodes = new ArrayList<>();
    private static final List<ControlPlane> controls = new ArrayList<>();
    private static final List<AgentRuntime> runtimes = new ArrayList<>();
    private static final List<NodeServer> servers = new ArrayList<>();
    private static HealthReporter reporter;
    private static NodeServer bare;

    @BeforeAll
    static void start() throws Exception {
        reporter = HealthReporter.start(HealthReporter.Scope.JVM, Duration.ofMillis(100));
        for (int i = 1; i <= 2; i++) {
            Cluster c = Loopback.node("agents-api-test", "node-" + i,
                    nodes.isEmpty() ? List.of() : List.of(nodes.get(0).address()));
            ControlPlane control = ControlPlane.start(c, ControlConfig.builder().port(0)
                    .dataDir(dir.resolve("node-" + i)).build());
            AgentRuntime runtime = AgentRuntime.start(c, control, AgentTypes.builtIn(), dir.resolve("agents-" + i));
            reporter.register(c, dir, 4, Set.of(), runtime::running);
            nodes.add(c);
            controls.add(control);
            runtimes.add(runtime);
            servers.add(NodeServer.start(c, control, runtime, "127.0.0.1", 0));
        }
        bare = NodeServer.start(nodes.get(1), "127.0.0.1", 0);
        Awaitility.await("node-2 knows node-1 as leader").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> get(http(2), "/api/cluster/leader").body().path("leader").asText(""), "node-1"::equals);
    }

    @AfterAll
    static void stop() {
        List<AutoCloseable> all = new ArrayList<>(List.of(bare, reporter));
        for (int i = nodes.size() - 1; i >= 0; i--) {
            all.addAll(List.of(servers.get(i), runtimes.get(i), controls.get(i), nodes.get(i)));
        }
        Closing.all(all.toArray(AutoCloseable[]::new));
    }

    private static NodeServer http(int index) {
        return servers.get(index - 1);
    }

    private static JsonNode agent(int seenBy, String id) throws Exception {
        return get(http(seenBy), "/api/cluster/agents/" + id).body();
    }

    /** Waits until both nodes' copies show the agent running on a node, and returns that node's index. */
    private static int awaitRunning(String id) {
        Awaitility.await(id + " runs, as both nodes see it").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> agent(1, id).path("phase").asText("").equals("running")
                        && agent(2, id).path("phase").asText("").equals("running")
                        && agent(1, id).path("node").equals(agent(2, id).path("node")));
        try {
            return Integer.parseInt(agent(1, id).path("node").asText().substring("node-".length()));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The ids this node's runtime lists with {@code phase}. */
    private static List<String> local(int index, String phase) throws Exception {
        Http.Answer a = get(http(index), "/api/node/agents");
        assertThat(a.status()).as("%s", a.body()).isEqualTo(200);
        return StreamSupport.stream(a.body().spliterator(), false).filter(n -> n.path("phase").asText().equals(phase))
                .map(n -> n.path("id").asText()).toList();
    }

    private static List<String> ids(JsonNode list) {
        return StreamSupport.stream(list.spliterator(), false).map(n -> n.path("id").asText()).toList();
    }

    /**
     * A write the leader refuses, sent through the other node's control plane, is refused at
     * once with the reason. Ratis once answered such a refusal (an exception on the transaction)
     * only after its request timeout, so the writer saw "unavailable" instead.
     */
    @Test
    void aWriteTheLeaderRefusesComesBackRefusedFromTheOtherNode() throws Exception {
        Http.post(http(1), "/api/cluster/agents", "{\"id\": \"refusal-probe\", \"type\": \"counter\"}");
        Awaitility.await().atMost(WAIT).until(() -> get(http(2), "/api/cluster/agents/refusal-probe").body()
                .path("phase").asText(""), "running"::equals);
        for (int k = 0; k < 3; k++) {
            assertThatThrownBy(() -> controls.get(1).write(new Mutation.MigrateAgent("no-such-agent", "node-9")))
                    .isInstanceOfSatisfying(ControlException.class,
                            e -> assertThat(e.reason()).isEqualTo(ControlException.Reason.REJECTED))
                    .hasMessageContaining("no alive member of that name");
        }
        Http.delete(http(1), "/api/cluster/agents/refusal-probe");
    }

    @Test
    void anAgentIsSubmittedRunsMigratesAndStops() throws Exception {
        Http.Answer sub = post(http(2), "/api/cluster/agents",
                "{\"id\": \"count-1\", \"type\": \"counter\", \"service\": null, \"args\": [\"a\", \"b\"]}");
        assertThat(sub.status()).as("%s", sub.body()).isEqualTo(201);
        assertThat(sub.body().path("id").asText()).isEqualTo("count-1");
        assertThat(sub.body().path("type").asText()).isEqualTo("counter");
        assertThat(sub.body().path("phase").asText()).isEqualTo("pending");
        assertThat(sub.body().path("node").isNull()).isTrue();
        assertThat(sub.body().path("args")).extracting(JsonNode::asText).containsExactly("a", "b");
        assertThat(sub.body().path("version").asLong()).isPositive();

        int from = awaitRunning("count-1");
        Awaitility.await("node-" + from + "'s runtime runs count-1").atMost(WAIT)
                .until(() -> local(from, "running").contains("count-1"));
        JsonNode seen = agent(2, "count-1");
        for (String field : List.of("id", "type", "service", "args", "node", "epoch", "phase", "message", "migrate_to")) {
            assertThat(seen.has(field)).as("field %s of %s", field, seen).isTrue();
        }
        assertThat(seen.path("epoch").asLong()).isPositive();
        assertThat(ids(get(http(1), "/api/cluster/agents").body())).contains("count-1");
        assertThat(ids(get(http(2), "/api/cluster/assignments").body())).contains("count-1");

        int to = 3 - from;
        Http.Answer move = post(http(1), "/api/cluster/agents/count-1/migrate", "{\"node\": \"node-" + to + "\"}");
        assertThat(move.status()).as("%s", move.body()).isEqualTo(202);
        assertThat(move.body().path("node").asText()).isEqualTo("node-" + from);
        assertThat(move.body().path("migrate_to").asText()).isEqualTo("node-" + to);
        Awaitility.await("count-1 runs on node-" + to).atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> awaitRunning("count-1") == to && local(to, "running").contains("count-1"));
        assertThat(local(from, "running")).as("the old node stopped it").doesNotContain("count-1");
        assertError(post(http(2), "/api/cluster/agents/count-1/migrate", "{\"node\": \"node-" + to + "\"}"), 409,
                "cannot migrate", "is on node-" + to + " already");

        Http.Answer stop = delete(http(2), "/api/cluster/agents/count-1");
        assertThat(stop.status()).as("%s", stop.body()).isEqualTo(200);
        assertThat(stop.body().path("stopped").asText()).isEqualTo("count-1");
        Awaitility.await("count-1 is gone from the state and the runtime").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> get(http(1), "/api/cluster/agents/count-1").status() == 404
                        && get(http(2), "/api/cluster/agents/count-1").status() == 404 // its copy may lag a moment
                        && !ids(get(http(1), "/api/node/agents").body()).contains("count-1")
                        && !ids(get(http(2), "/api/node/agents").body()).contains("count-1"));
        assertError(get(http(2), "/api/cluster/agents/count-1"), 404, "unknown agent", "no agent 'count-1'");
        assertError(delete(http(2), "/api/cluster/agents/count-1"), 404, "unknown agent", "no agent 'count-1'");
    }

    @Test
    void badRequestsAreRefusedWithTheirReasonAndChangeNothing() throws Exception {
        assertThat(post(http(1), "/api/cluster/agents", "{\"id\": \"dup-1\", \"type\": \"counter\"}").status())
                .isEqualTo(201);
        awaitRunning("dup-1");
        long version = get(http(1), "/api/cluster/strategy").body().path("version").asLong();
        List<String> before = ids(get(http(1), "/api/cluster/agents").body());

        String agents = "/api/cluster/agents";
        assertError(post(http(2), agents, "{\"id\": \"dup-1\", \"type\": \"counter\"}"), 409, "agent exists",
                "agent 'dup-1' exists");
        assertError(post(http(2), agents, "{\"type\": \"counter\"}"), 400, "bad request", "field 'id' is missing");
        assertError(post(http(2), agents, "{\"id\": \"x\", \"type\": \"counter\", \"cmd\": 1}"), 400, "bad request",
                "unknown field 'cmd'");
        assertError(post(http(2), agents, "{\"id\": \"bad/id\", \"type\": \"counter\"}"), 400, "bad request",
                "field 'id': agent name 'bad/id' must be 1 to 128 characters");
        assertError(post(http(2), agents, "{\"id\": \"x\", \"type\": \"two words\"}"), 400, "bad request",
                "field 'type': agent type name 'two words' must be 1 to 128 characters");
        assertError(post(http(2), agents, "{\"id\": \"x\", \"type\": \"counter\", \"service\": \"a,b\"}"), 400,
                "bad request", "field 'service': service name 'a,b'");
        assertError(post(http(2), agents, "{\"id\": \"x\", \"type\": \"counter\", \"args\": \"sleep 1\"}"), 400,
                "bad request", "field 'args' must be an array of strings");
        assertError(post(http(2), agents, "{\"id\": \"x\", \"type\": \"counter\", \"args\": [1]}"), 400,
                "bad request", "field 'args' must hold only strings, not 1");
        assertError(post(http(2), agents, "{\"id\": \"x\", \"type\": \"counter\", \"args\": [" + "\"a\",".repeat(64)
                + "\"a\"]}"), 400, "bad request", "field 'args' has 65 entries; at most 64");
        assertError(post(http(2), agents, "{\"id\": \"x\", \"type\": \"counter\", \"args\": [\"" + "a".repeat(9000)
                + "\"]}"), 400, "bad request", "field 'args': agent args hold 9000 characters; at most 8192");
        assertError(post(http(2), agents, "{\"id\": "), 400, "bad request", "not valid JSON");
        assertError(post(http(2), agents, ""), 400, "bad request", "a JSON body is required");

        assertError(post(http(2), agents + "/nope/migrate", "{\"node\": \"node-1\"}"), 404, "unknown agent",
                "no agent 'nope'");
        assertError(post(http(2), agents + "/dup-1/migrate", "{\"node\": \"node-9\"}"), 409, "cannot migrate",
                "no alive member of that name");
        assertError(post(http(2), agents + "/dup-1/migrate", "{\"node\": \"bad node\"}"), 400, "bad request",
                "field 'node': node name 'bad node'");
        assertError(post(http(2), agents + "/dup-1/migrate", "{\"node\": 2}"), 400, "bad request", "must be a string");
        assertError(post(http(2), agents + "/dup-1/migrate", "{\"to\": \"node-1\"}"), 400, "bad request",
                "unknown field 'to'");
        assertError(post(http(2), agents + "/bad!id/migrate", "{\"node\": \"node-1\"}"), 400, "bad request",
                "field 'id': agent name 'bad!id'");
        assertError(delete(http(2), agents + "/bad!id"), 400, "bad request", "field 'id'");
        assertError(get(http(2), agents + "/nope"), 404, "unknown agent", "no agent 'nope'");

        assertThat(get(http(1), "/api/cluster/strategy").body().path("version").asLong())
                .as("bad requests wrote nothing").isEqualTo(version);
        assertThat(ids(get(http(1), "/api/cluster/agents").body())).isEqualTo(before);
        assertThat(agent(1, "dup-1").path("phase").asText()).isEqualTo("running");
        assertThat(delete(http(1), agents + "/dup-1").status()).isEqualTo(200);
    }

    @Test
    void statsCountAgentsByPhase() throws Exception {
        assertThat(post(http(1), "/api/cluster/agents", "{\"id\": \"lost-1\", \"type\": \"no-such-type\"}").status())
                .isEqualTo(201);
        Awaitility.await("lost-1 fails: no node has its type").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> agent(2, "lost-1").path("phase").asText(""), "failed"::equals);
        assertThat(agent(2, "lost-1").path("message").asText()).contains("has no agent type 'no-such-type'");
        JsonNode stats = get(http(2), "/api/cluster/stats").body();
        JsonNode byPhase = stats.at("/agents/by_phase");
        assertThat(byPhase.path("failed").asInt()).as("%s", stats).isGreaterThanOrEqualTo(1);
        for (String phase : List.of("pending", "assigned", "running", "failed", "migrating")) {
            assertThat(byPhase.path(phase).isInt()).as("phase %s in %s", phase, byPhase).isTrue();
        }
        assertThat(stats.at("/agents/total").asInt()).isGreaterThanOrEqualTo(stats.at("/agents/assigned").asInt());
        assertThat(delete(http(2), "/api/cluster/agents/lost-1").status()).isEqualTo(200);
    }

    @Test
    void aNodeWithoutARuntimeOrControlPlaneSaysSo() throws Exception {
        assertError(get(bare, "/api/node/agents"), 503, "no agent runtime", "runs no agent runtime");
        assertError(get(bare, "/api/cluster/agents"), 503, "no control plane", "without a control plane");
        assertError(post(bare, "/api/cluster/agents", "{\"id\": \"x\", \"type\": \"counter\"}"), 503, "no control plane",
                "control plane");
    }
}
