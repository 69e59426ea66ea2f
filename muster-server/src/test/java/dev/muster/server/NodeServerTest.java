package dev.muster.server;

import static dev.muster.server.Http.assertError;
import static dev.muster.server.Http.get;
import static dev.muster.server.Http.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muster.Cluster;
import dev.muster.control.ControlConfig;
import dev.muster.control.ControlPlane;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API of a two-node cluster in this JVM on loopback: node-1 is the only replica (and so
 * the leader), node-2 a worker; a third node runs without a control plane. Every bad request gets
 * the right status and {"error","detail"}, and changes nothing.
 */
class NodeServerTest {

    @TempDir
    static Path dir;

    private static Cluster one;
    private static Cluster two;
    private static ControlPlane control1;
    private static ControlPlane control2;
    private static NodeServer http1;
    private static NodeServer http2;
    private static NodeServer bare;

    @BeforeAll
    static void start() throws Exception {
        one = node("node-1", List.of());
        control1 = ControlPlane.start(one, ControlConfig.builder().port(0).dataDir(dir.resolve("node-1")).build());
        two = node("node-2", List.of(one.address()));
        control2 = ControlPlane.start(two, ControlConfig.builder().port(0).dataDir(dir.resolve("node-2")).build());
        http1 = NodeServer.start(one, control1, "127.0.0.1", 0);
        http2 = NodeServer.start(two, control2, "127.0.0.1", 0);
        bare = NodeServer.start(two, "127.0.0.1", 0);
        Awaitility.await("node-2 knows node-1 as leader").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> get(http2, "/api/cluster/leader").body().path("leader").asText(""), "node-1"::equals);
    }

    private static Cluster node(String name, List<dev.muster.Address> seeds) {
        return Loopback.node("server-test", name, seeds);
    }

    @AfterAll
    static void stop() {
        Closing.all(bare, http2, http1, control2, control1, two, one);
    }

    private static long version() throws Exception {
        return get(http1, "/api/cluster/strategy").body().path("version").asLong(-1);
    }

    @Test
    void leaderRolesAndStatusesAreShownOnEveryNode() throws Exception {
        for (NodeServer s : List.of(http1, http2)) {
            JsonNode l = get(s, "/api/cluster/leader").body();
            assertThat(l.path("leader").asText()).isEqualTo("node-1");
            assertThat(l.path("term").asLong()).isPositive();
            assertThat(l.path("healthy").asBoolean()).isTrue();
            assertThat(l.path("replicas")).extracting(JsonNode::asText).containsExactly("node-1");
            assertThat(l.path("alive_replicas").asInt()).isEqualTo(1);
        }
        JsonNode info = get(http2, "/api/cluster/info").body();
        assertThat(info.path("leader").asText()).isEqualTo("node-1");
        assertThat(info.path("role").asText()).isEqualTo("worker");
        assertThat(info.path("healthy").asBoolean()).isTrue();
        Awaitility.await("node-1 is leader and node-2 a worker in /api/cluster/nodes").atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> {
                    JsonNode nodes = get(http2, "/api/cluster/nodes").body();
                    assertThat(nodes).hasSize(2);
                    for (JsonNode n : nodes) {
                        assertThat(n.path("role").asText()).isEqualTo(n.path("name").asText().equals("node-1") ? "leader" : "worker");
                        assertThat(n.has("status") && n.has("roles")).as("fields of %s", n).isTrue();
                    }
                });
    }

    @Test
    void aStatusWriteIsSeenAndBadOnesChangeNothing() throws Exception {
        long before = version();
        Http.Answer ok = post(http2, "/api/cluster/nodes/node-2", "{\"status\": \"draining\"}");
        assertThat(ok.status()).as("%s", ok.body()).isEqualTo(200);
        assertThat(ok.body().path("node").asText()).isEqualTo("node-2");
        assertThat(ok.body().path("status").asText()).isEqualTo("draining");
        assertThat(ok.body().path("version").asLong()).isGreaterThan(before);
        Awaitility.await("node-2 shows as draining").atMost(Duration.ofSeconds(10)).until(() -> {
            for (JsonNode n : get(http1, "/api/cluster/nodes").body()) {
                if (n.path("name").asText().equals("node-2")) {
                    return n.path("status").asText().equals("draining");
                }
            }
            return false;
        });
        assertThat(post(http1, "/api/cluster/nodes/node-2", "{\"status\": \"online\"}").status()).isEqualTo(200);

        assertThat(get(http2, "/api/cluster/nodes/node-2").body().path("status").asText()).isIn("draining", "online");
        assertError(get(http2, "/api/cluster/nodes/node-9"), 404, "unknown node", "no member named 'node-9'");

        long after = version();
        assertError(post(http1, "/api/cluster/nodes/node-9", "{\"status\": \"draining\"}"), 404, "unknown node",
                "no member named 'node-9'");
        assertError(post(http1, "/api/cluster/nodes/node-2", "{\"status\": \"offline\"}"), 400, "bad request",
                "online, draining, standby");
        assertError(post(http1, "/api/cluster/nodes/node-2", "{\"status\": 3}"), 400, "bad request", "must be a string");
        assertError(post(http1, "/api/cluster/nodes/node-2", "{\"state\": \"online\"}"), 400, "bad request",
                "unknown field 'state'");
        assertError(post(http1, "/api/cluster/nodes/node-2", "{\"status\": "), 400, "bad request", "not valid JSON");
        assertError(post(http1, "/api/cluster/nodes/node-2", "\"online\""), 400, "bad request", "JSON object");
        assertError(post(http1, "/api/cluster/nodes/node-2", ""), 400, "bad request", "a JSON body is required");
        assertError(post(http1, "/api/cluster/nodes/node-2", "{\"status\": \"" + "x".repeat(70_000) + "\"}"),
                413, "body too large", "65536");
        assertThat(version()).as("bad requests change nothing").isEqualTo(after);
    }

    @Test
    void strategyIsReadAndWrittenAndAnUnknownOneIsRefused() throws Exception {
        Http.Answer set = post(http2, "/api/cluster/strategy", "{\"strategy\": \"least-loaded\"}");
        assertThat(set.status()).as("%s", set.body()).isEqualTo(200);
        assertThat(set.body().path("strategy").asText()).isEqualTo("least-loaded");
        JsonNode read = get(http1, "/api/cluster/strategy").body();
        assertThat(read.path("strategy").asText()).isEqualTo("least-loaded");
        assertThat(read.path("version").asLong()).isEqualTo(set.body().path("version").asLong());
        assertError(post(http1, "/api/cluster/strategy", "{\"strategy\": \"fastest\"}"), 400, "bad request",
                "strategy 'fastest' does not exist; use one of round-robin, least-loaded");
        assertThat(version()).isEqualTo(read.path("version").asLong());
    }

    @Test
    void statsCountNodesByStateRoleAndStatusAndBalanceSetsTheStrategy() throws Exception {
        Http.Answer set = post(http2, "/api/cluster/balance", "{\"strategy\": \"least-agents\"}");
        assertThat(set.status()).as("%s", set.body()).isEqualTo(200);
        assertThat(post(http2, "/api/cluster/balance", "{\"strategy\": \"fastest\"}").status()).isEqualTo(400);
        Awaitility.await("the worker's copy of the state has the strategy").atMost(Duration.ofSeconds(30))
                .until(() -> get(http2, "/api/cluster/stats").body().path("strategy").asText(""), "least-agents"::equals);
        JsonNode stats = get(http2, "/api/cluster/stats").body();
        assertThat(stats.path("nodes").asInt()).isEqualTo(2);
        assertThat(stats.at("/by_state/alive").asInt()).isEqualTo(2);
        assertThat(stats.at("/by_role/leader").asInt()).isEqualTo(1);
        assertThat(stats.at("/by_role/worker").asInt()).isEqualTo(1);
        assertThat(stats.at("/by_status/online").asInt() + stats.at("/by_status/draining").asInt()).isEqualTo(2);
        assertThat(stats.path("leader").asText()).isEqualTo("node-1");
        JsonNode bareStats = get(bare, "/api/cluster/stats").body();
        assertThat(bareStats.path("strategy").isNull()).as("no control plane, no strategy").isTrue();
        assertThat(bareStats.at("/by_role/worker").asInt()).isEqualTo(2);
    }

    @Test
    void leadershipGoesOnlyToAReplicaOfTheCluster() throws Exception {
        assertError(post(http2, "/api/cluster/leader", "{\"node\": \"node-2\"}"), 409, "not a replica", "not a replica");
        assertError(post(http2, "/api/cluster/leader", "{\"node\": \"node-9\"}"), 404, "unknown node", "node-9");
        assertError(post(http2, "/api/cluster/leader", "{}"), 400, "bad request", "field 'node' is missing");
        assertError(post(http2, "/api/cluster/leader", "{not json"), 400, "bad request", "not valid JSON");
        Http.Answer same = post(http2, "/api/cluster/leader", "{\"node\": \"node-1\"}");
        assertThat(same.status()).as("%s", same.body()).isEqualTo(200);
        assertThat(same.body().path("leader").asText()).isEqualTo("node-1");
    }

    @Test
    void withoutAControlPlaneNodesAreOnlineWorkersAndControlEndpointsAnswer503() throws Exception {
        for (String path : List.of("/api/cluster/leader", "/api/cluster/strategy")) {
            assertError(get(bare, path), 503, "no control plane", "without a control plane");
        }
        assertError(post(bare, "/api/cluster/strategy", "{\"strategy\": \"random\"}"), 503, "no control plane", "control plane");
        for (JsonNode n : get(bare, "/api/cluster/nodes").body()) {
            assertThat(n.path("role").asText()).isEqualTo("worker");
            assertThat(n.path("status").asText()).isEqualTo("online");
        }
        JsonNode info = get(bare, "/api/cluster/info").body();
        assertThat(info.path("leader").isNull()).isTrue();
        assertThat(info.path("healthy").asBoolean()).isFalse();
    }
}
