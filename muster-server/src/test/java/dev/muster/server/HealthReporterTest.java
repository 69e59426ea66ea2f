package dev.muster.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.balance.NodeLoad;
import dev.muster.membership.MembershipConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health figures travel through membership metadata: node-1 (host scope, 4 agent slots, services
 * ocr and search) and node-2 (JVM scope, no slots) report every 100 ms, and each node's
 * {@code /api/cluster/nodes} shows the other's figures and selects by the registry filters.
 */
class HealthReporterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration FAST = Duration.ofMillis(100);

    @TempDir
    static Path dir;

    private static Cluster one;
    private static Cluster two;
    private static NodeServer http1;
    private static NodeServer http2;
    private static HealthReporter host;
    private static HealthReporter jvm;
    private static final AtomicInteger agentsOnOne = new AtomicInteger();

    private record Answer(int status, JsonNode body) {}

    @BeforeAll
    static void start() {
        one = node("node-1", List.of());
        two = node("node-2", List.of(one.address()));
        http1 = NodeServer.start(one, "127.0.0.1", 0);
        http2 = NodeServer.start(two, "127.0.0.1", 0);
        host = HealthReporter.start(HealthReporter.Scope.HOST, FAST);
        jvm = HealthReporter.start(HealthReporter.Scope.JVM, FAST);
        host.register(one, dir, 4, Set.of("search", "ocr"), agentsOnOne::get);
        jvm.register(two, null, 0, Set.of(), () -> 0);
    }

    private static Cluster node(String name, List<dev.muster.Address> seeds) {
        return Cluster.start(ClusterConfig.builder().clusterName("health-test").nodeName(name).bindHost("127.0.0.1")
                .port(0).httpPort(-1).clusterSize(2).seeds(seeds).membership(MembershipConfig.local()).build());
    }

    @AfterAll
    static void stop() {
        Closing.all(host, jvm, http2, http1, two, one);
    }

    private static Answer get(NodeServer s, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    private static JsonNode nodeSeenBy(NodeServer s, String name) throws Exception {
        for (JsonNode n : get(s, "/api/cluster/nodes").body()) {
            if (n.path("name").asText().equals(name)) {
                return n;
            }
        }
        return JSON.missingNode();
    }

    private static List<String> names(NodeServer s, String query) throws Exception {
        Answer a = get(s, "/api/cluster/nodes" + query);
        assertThat(a.status()).as("status of %s: %s", query, a.body()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        a.body().forEach(n -> names.add(n.path("name").asText()));
        return names;
    }

    private static boolean fraction(JsonNode v) {
        return v.isNumber() && v.asDouble() >= 0 && v.asDouble() <= 1;
    }

    @Test
    void hostFiguresOfOneNodeAppearInTheOthersView() throws Exception {
        Awaitility.await("node-2 sees node-1's host figures").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> fraction(nodeSeenBy(http2, "node-1").path("health").path("cpu")));
        JsonNode n = nodeSeenBy(http2, "node-1");
        JsonNode h = n.path("health");
        assertThat(fraction(h.path("memory"))).as("memory of %s", h).isTrue();
        assertThat(fraction(h.path("disk"))).as("disk of %s", h).isTrue();
        assertThat(h.path("load").isNull() || h.path("load").asDouble() >= 0).as("load of %s", h).isTrue();
        assertThat(h.path("agents").asInt(-1)).isZero();
        assertThat(h.path("max_agents").asInt()).isEqualTo(4);
        assertThat(n.path("services")).extracting(JsonNode::asText).containsExactly("ocr", "search");
        assertThat(n.path("metadata").path(NodeLoad.MAX_AGENTS).asText()).isEqualTo("4");
    }

    @Test
    void jvmScopeReportsTheHeapAsMemory() throws Exception {
        Awaitility.await("node-1 sees node-2's JVM figures").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> fraction(nodeSeenBy(http1, "node-2").path("health").path("memory")));
        JsonNode h = nodeSeenBy(http1, "node-2").path("health");
        assertThat(h.path("memory").asDouble()).as("heap in use of %s", h).isPositive();
        assertThat(h.path("max_agents").asInt(-1)).isZero();
        assertThat(h.path("cpu").isNull() || fraction(h.path("cpu"))).as("cpu of %s", h).isTrue();
    }

    @Test
    void registryFiltersSelectByStateSlotsAndService() throws Exception {
        Awaitility.await("node-1's slots are known to node-2").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> names(http2, "?filter=available"), List.of("node-1")::equals);
        assertThat(names(http2, "?filter=healthy")).containsExactlyInAnyOrder("node-1", "node-2");
        assertThat(names(http2, "")).containsExactlyInAnyOrder("node-1", "node-2");
        assertThat(names(http2, "?service=ocr")).containsExactly("node-1");
        assertThat(names(http2, "?filter=available&service=search")).containsExactly("node-1");
        assertThat(names(http2, "?filter=healthy&service=video")).isEmpty();

        agentsOnOne.set(4); // every slot taken: node-1 is no longer available
        try {
            Awaitility.await("node-1 full").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> names(http2, "?filter=available"), List::isEmpty);
            assertThat(nodeSeenBy(http2, "node-1").path("health").path("agents").asInt()).isEqualTo(4);
        } finally {
            agentsOnOne.set(0);
        }
        Awaitility.await("node-1 available again").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> names(http2, "?filter=available"), List.of("node-1")::equals);
    }

    @Test
    void badFilterOrServiceIs400NamingTheAllowedValues() throws Exception {
        Answer a = get(http1, "/api/cluster/nodes?filter=busy");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body().path("error").asText()).isEqualTo("bad request");
        assertThat(a.body().path("detail").asText()).contains("'busy'").contains("healthy, available");
        Answer s = get(http1, "/api/cluster/nodes?service=a%20b");
        assertThat(s.status()).isEqualTo(400);
        assertThat(s.body().path("detail").asText()).contains("service").contains("'a b'");
    }

    @Test
    void aNodeThatLeftIsUnregisteredAndARegistrationCanBeClosed() {
        Cluster three = node("node-3", List.of(one.address()));
        HealthReporter.Registration r = host.register(three, null, 1, Set.of(), () -> 0);
        assertThat(host.registered()).isEqualTo(2);
        three.leave(Duration.ofSeconds(2));
        Awaitility.await("a node that left is dropped").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(host::registered, n -> n == 1);
        r.close(); // closing again is harmless

        HealthReporter.Registration extra = jvm.register(one, null, 0, Set.of(), () -> 0);
        assertThat(jvm.registered()).isEqualTo(2);
        extra.close();
        assertThat(jvm.registered()).isEqualTo(1);
    }

    @Test
    void badSettingsNameTheRule() {
        assertThatThrownBy(() -> HealthReporter.start(HealthReporter.Scope.HOST, Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("health interval (1ms)");
        assertThatThrownBy(() -> host.register(one, null, -1, Set.of(), () -> 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> host.register(one, null, 1, Set.of("no spaces"), () -> 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'no spaces'");
    }

    @Test
    void onlyAMoveBeyondTheThresholdOrAnyCountChangeIsPublished() {
        NodeLoad base = new NodeLoad(0.50, 0.40, 0.30, 0.20, 1, 4, Set.of("a"));
        record Case(String why, NodeLoad now, boolean publish) {}
        List<Case> cases = List.of(
                new Case("same", base, false),
                new Case("cpu +0.01", new NodeLoad(0.51, 0.40, 0.30, 0.20, 1, 4, Set.of("a")), false),
                new Case("cpu +0.03", new NodeLoad(0.53, 0.40, 0.30, 0.20, 1, 4, Set.of("a")), true),
                new Case("memory -0.05", new NodeLoad(0.50, 0.35, 0.30, 0.20, 1, 4, Set.of("a")), true),
                new Case("disk +0.015", new NodeLoad(0.50, 0.40, 0.315, 0.20, 1, 4, Set.of("a")), false),
                new Case("load +0.5", new NodeLoad(0.50, 0.40, 0.30, 0.70, 1, 4, Set.of("a")), true),
                new Case("cpu unknown", new NodeLoad(-1, 0.40, 0.30, 0.20, 1, 4, Set.of("a")), true),
                new Case("one more agent", new NodeLoad(0.50, 0.40, 0.30, 0.20, 2, 4, Set.of("a")), true),
                new Case("max agents", new NodeLoad(0.50, 0.40, 0.30, 0.20, 1, 5, Set.of("a")), true),
                new Case("services", new NodeLoad(0.50, 0.40, 0.30, 0.20, 1, 4, Set.of("a", "b")), true));
        for (Case c : cases) {
            assertThat(HealthReporter.publishNow(base, c.now(), false)).as(c.why()).isEqualTo(c.publish());
        }
        assertThat(HealthReporter.publishNow(NodeLoad.UNKNOWN, base, false)).as("first publication").isTrue();
    }

    @Test
    void aHeldNodePublishesCountsAndJumpsAtOnceButDriftOnlyWhenTheHoldIsOver() {
        NodeLoad base = new NodeLoad(0.50, 0.40, 0.30, 0.20, 1, 4, Set.of("a"));
        NodeLoad drift = new NodeLoad(0.55, 0.40, 0.30, 0.20, 1, 4, Set.of("a"));
        NodeLoad jump = new NodeLoad(0.80, 0.40, 0.30, 0.20, 1, 4, Set.of("a"));
        NodeLoad agent = new NodeLoad(0.50, 0.40, 0.30, 0.20, 2, 4, Set.of("a"));
        NodeLoad unknown = new NodeLoad(0.50, -1, 0.30, 0.20, 1, 4, Set.of("a"));
        assertThat(HealthReporter.publishNow(base, drift, true)).as("drift, held").isFalse();
        assertThat(HealthReporter.publishNow(base, drift, false)).as("drift, hold over").isTrue();
        assertThat(HealthReporter.publishNow(base, jump, true)).as("a jump of 0.30").isTrue();
        assertThat(HealthReporter.publishNow(base, agent, true)).as("one more agent").isTrue();
        assertThat(HealthReporter.publishNow(base, unknown, true)).as("memory became unknown").isTrue();
        assertThat(HealthReporter.publishNow(base, base, false)).as("nothing moved").isFalse();
        NodeLoad busy = new NodeLoad(0.50, 0.40, 0.30, 3.20, 1, 4, Set.of("a"));
        assertThat(HealthReporter.publishNow(busy, new NodeLoad(0.50, 0.40, 0.30, 2.90, 1, 4, Set.of("a")), true))
                .as("load per core 3.2 -> 2.9 is drift, relative to 3.2").isFalse();
        assertThat(HealthReporter.publishNow(busy, new NodeLoad(0.50, 0.40, 0.30, 1.50, 1, 4, Set.of("a")), true))
                .as("load per core 3.2 -> 1.5 is a jump").isTrue();
    }
}
