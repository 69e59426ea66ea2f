package dev.muster.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.MemberState;
import dev.muster.agents.AgentRuntime;
import dev.muster.agents.AgentTypes;
import dev.muster.control.AgentSpec;
import dev.muster.control.ControlConfig;
import dev.muster.control.ControlPlane;
import dev.muster.control.LeaderInfo;
import dev.muster.membership.MembershipConfig;
import dev.muster.services.Reply;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} of a three-node cluster in this JVM over loopback, every node a replica
 * with an agent runtime, a health reporter and its {@link NodeServer}. Every scrape is parsed
 * strictly ({@link Exposition}). The last test crashes node-3.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    static Path dir;

    private static final List<Cluster> nodes = new ArrayList<>();
    private static final List<ControlPlane> controls = new ArrayList<>();
    private static final List<AgentRuntime> runtimes = new ArrayList<>();
    private static final List<NodeServer> servers = new ArrayList<>();
    private static HealthReporter reporter;

    @BeforeAll
    static void start() {
        reporter = HealthReporter.start(HealthReporter.Scope.JVM, Duration.ofMillis(100));
        for (int i = 1; i <= 3; i++) {
            Cluster c = Cluster.start(ClusterConfig.builder().clusterName("metrics-api-test").nodeName("node-" + i)
                    .bindHost("127.0.0.1").port(0).httpPort(-1).clusterSize(3)
                    .seeds(nodes.isEmpty() ? List.of() : List.of(nodes.getFirst().address()))
                    .membership(MembershipConfig.local()).build());
            ControlPlane control = ControlPlane.start(c, ControlConfig.builder().port(0)
                    .dataDir(dir.resolve("node-" + i)).build());
            AgentRuntime runtime = AgentRuntime.start(c, control, AgentTypes.builtIn(), dir.resolve("agents-" + i));
            reporter.register(c, dir, 4, Set.of(), runtime::running);
            nodes.add(c);
            controls.add(control);
            runtimes.add(runtime);
            servers.add(NodeServer.start(c, control, runtime, "127.0.0.1", 0));
        }
        nodes.getFirst().services().register("echo", (request, ctx) -> Reply.of(request.payload()));
        Awaitility.await("every node sees three alive and a leader").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> nodes.stream().allMatch(c -> c.info().alive() == 3)
                        && controls.stream().allMatch(c -> c.leader().isPresent()));
    }

    @AfterAll
    static void stop() {
        List<AutoCloseable> all = new ArrayList<>(List.of(reporter));
        for (int i = nodes.size() - 1; i >= 0; i--) {
            all.addAll(List.of(servers.get(i), runtimes.get(i), controls.get(i), nodes.get(i)));
        }
        Closing.all(all.toArray(AutoCloseable[]::new));
    }

    private static WebServer serve(MetricsApi m) {
        return WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false).routing(m::routes).build().start();
    }

    private static HttpResponse<String> get(int port, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(20)).GET();
        if (accept != null) {
            b.header("Accept", accept);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Node {@code index}'s metrics, parsed. */
    private static Exposition scrape(int index) throws Exception {
        HttpResponse<String> r = get(servers.get(index - 1).port(), null);
        assertThat(r.statusCode()).as("%s", r.body()).isEqualTo(200);
        return Exposition.parse(r.body());
    }

    @Test
    @Order(1)
    void theTextIsValidPrometheusExpositionWithTheJvmAndHostFamilies() throws Exception {
        HttpResponse<String> r = get(servers.get(0).port(), "text/plain");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        Exposition e = Exposition.parse(r.body());
        assertThat(e.types()).containsEntry("jvm_memory_used_bytes", "gauge")
                .containsEntry("jvm_threads_live_threads", "gauge").containsEntry("jvm_classes_loaded_classes", "gauge")
                .containsEntry("process_uptime_seconds", "gauge")
                .containsEntry("process_cpu_usage", "gauge").containsEntry("system_cpu_count", "gauge")
                .containsEntry("system_load_average_1m", "gauge").containsEntry("muster_host_memory_total_bytes", "gauge")
                .containsEntry("muster_host_memory_available_bytes", "gauge")
                .containsEntry("muster_membership_probes_total", "counter")
                .containsEntry("muster_rpc_latency_seconds", "histogram");
        assertThat(e.value("muster_host_memory_total_bytes")).as("read through the health reporter's OSHI").isPositive();
        assertThat(e.value("system_cpu_count")).isPositive();
        assertThat(e.samples("jvm_memory_used_bytes", "area", "heap")).isNotEmpty();
        assertThat(e.types().keySet()).as("the GC binder's families").anyMatch(n -> n.startsWith("jvm_gc_"));
        for (int i = 1; i <= 3; i++) {
            String name = "node-" + i;
            assertThat(scrape(i).samples("muster_node_info")).as("%s's metrics show %s only", name, name)
                    .singleElement().satisfies(s -> assertThat(s.labels()).containsEntry("node", name)
                            .containsEntry("cluster", "metrics-api-test"));
        }
        HttpResponse<String> open = get(servers.get(0).port(), "application/openmetrics-text; version=1.0.0");
        assertThat(open.headers().firstValue("Content-Type")).hasValue(MetricsApi.OPEN_METRICS);
        assertThat(open.body()).as("an OpenMetrics exposition ends with # EOF").endsWith("# EOF\n")
                .contains("# TYPE muster_membership_probes counter");
    }

    @Test
    @Order(1)
    void membersByStateListEveryStateAndTheProtocolCountsItsTraffic() throws Exception {
        // polled: on a busy machine a member may be suspected for a moment
        Awaitility.await("three alive on every node").atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(
                () -> {
                    for (int i = 1; i <= 3; i++) {
                        Exposition e = scrape(i);
                        for (MemberState s : MemberState.values()) {
                            assertThat(e.value("muster_members", "state", s.jsonName())).as("node-%d, state %s", i, s)
                                    .isEqualTo(s == MemberState.ALIVE ? 3 : 0);
                        }
                        assertThat(e.value("muster_cluster_formed")).isEqualTo(1);
                        assertThat(e.value("muster_cluster_expected_size")).isEqualTo(3);
                        assertThat(e.value("muster_membership_probes_total")).as("node-%d probed", i).isPositive();
                        assertThat(e.value("muster_gossip_messages_total", "direction", "sent")).isPositive();
                        assertThat(e.value("muster_gossip_messages_total", "direction", "received")).isPositive();
                        assertThat(e.value("muster_transport_packets_total", "direction", "out")).isPositive();
                        assertThat(e.value("muster_transport_bytes_total", "direction", "in")).isPositive();
                        assertThat(e.value("muster_node_memory_ratio")).as("published by the health reporter")
                                .isBetween(0.0, 1.0);
                    }
                });
        assertThat(scrape(1).value("muster_push_pull_total", "kind", "answered")).as("node-1 answered the joins")
                .isGreaterThanOrEqualTo(2);
        assertThat(scrape(3).value("muster_push_pull_total", "kind", "completed")).as("node-3's join was answered")
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    @Order(1)
    void theLeaderItsTermAndAChangeOfLeaderAreShown() throws Exception {
        LeaderInfo first = controls.getFirst().leader().orElseThrow();
        Awaitility.await("every node shows the leader").atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(
                () -> {
                    for (int i = 1; i <= 3; i++) {
                        Exposition e = scrape(i);
                        assertThat(e.value("muster_control_leader_known")).isEqualTo(1);
                        assertThat(e.value("muster_control_leader_term")).isGreaterThanOrEqualTo(first.term())
                                .isPositive();
                        assertThat(e.value("muster_control_leader_changes_total")).isGreaterThanOrEqualTo(1);
                        assertThat(e.value("muster_control_leader")).as("node-%d leads", i)
                                .isEqualTo(first.name().equals("node-" + i) ? 1 : 0);
                        assertThat(e.value("muster_control_replicas")).isEqualTo(3);
                        assertThat(e.value("muster_control_healthy")).isEqualTo(1);
                    }
                });
        double[] before = new double[3];
        for (int i = 1; i <= 3; i++) {
            before[i - 1] = scrape(i).value("muster_control_leader_changes_total");
        }
        String target = first.name().equals("node-2") ? "node-3" : "node-2";
        LeaderInfo moved = controls.getFirst().transferLeadership(target, WAIT);
        Awaitility.await("every node counts the new leader").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    for (int i = 1; i <= 3; i++) {
                        Exposition e = scrape(i);
                        assertThat(e.value("muster_control_leader_changes_total")).as("node-%d's leader changes", i)
                                .isGreaterThan(before[i - 1]);
                        assertThat(e.value("muster_control_leader_term")).isGreaterThanOrEqualTo(moved.term())
                                .isGreaterThan(first.term());
                        assertThat(e.value("muster_control_leader")).isEqualTo(target.equals("node-" + i) ? 1 : 0);
                    }
                });
    }

    @Test
    @Order(1)
    void aCallIsCountedWithItsLatencyHistogram() throws Exception {
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        for (int k = 0; k < 5; k++) {
            Awaitility.await().atMost(WAIT).until(() -> !nodes.get(1).services().resolve("echo").isEmpty());
            assertThat(nodes.get(1).services().callBlocking("echo", hello, Duration.ofSeconds(5))).isEqualTo(hello);
        }
        Exposition caller = scrape(2);
        assertThat(caller.value("muster_rpc_calls_total", "service", "echo")).isEqualTo(5);
        assertThat(caller.value("muster_rpc_errors_total", "service", "echo")).isZero();
        assertThat(caller.value("muster_rpc_in_flight", "service", "echo")).isZero();
        assertThat(caller.value("muster_rpc_payload_bytes_total", "service", "echo", "direction", "out")).isEqualTo(25);
        assertThat(caller.value("muster_rpc_latency_seconds_count", "service", "echo")).isEqualTo(5);
        assertThat(caller.value("muster_rpc_latency_seconds_sum", "service", "echo")).isPositive();
        List<Exposition.Sample> buckets = caller.samples("muster_rpc_latency_seconds_bucket", "service", "echo");
        assertThat(buckets).as("2^4 .. 2^29 µs and +Inf").hasSize(RpcCollector.HIGHEST_POWER - RpcCollector.LOWEST_POWER + 2);
        double previousBound = 0;
        double previousCount = 0;
        for (Exposition.Sample b : buckets) {
            double le = b.labels().get("le").equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(b.labels().get("le"));
            assertThat(le).as("bounds grow").isGreaterThan(previousBound);
            assertThat(b.value()).as("counts are cumulative").isGreaterThanOrEqualTo(previousCount);
            previousBound = le;
            previousCount = b.value();
        }
        assertThat(buckets.getFirst().labels()).containsEntry("le", "1.6E-5");
        assertThat(previousCount).as("the +Inf bucket counts every call").isEqualTo(5);
        assertThat(scrape(1).value("muster_rpc_served_total", "service", "echo")).as("node-1 served them").isEqualTo(5);
    }

    @Test
    @Order(1)
    void agentsAreShownByPhaseOnEveryNodeAndInTheRuntimeThatRunsThem() throws Exception {
        controls.get(1).agents().submit("metrics-agent", AgentSpec.of("counter"));
        Awaitility.await("every node's copy shows the agent running").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    double running = 0;
                    for (int i = 1; i <= 3; i++) {
                        Exposition e = scrape(i);
                        assertThat(e.value("muster_agents", "phase", "running")).as("node-%d's copy", i).isEqualTo(1);
                        assertThat(e.value("muster_agents", "phase", "pending")).isZero();
                        assertThat(e.value("muster_assignments")).isEqualTo(1);
                        running += e.value("muster_node_agents", "phase", "running");
                    }
                    assertThat(running).as("one runtime runs it").isEqualTo(1);
                });
    }

    @Test
    @Order(1)
    void withoutAControlPlaneThereAreNoControlFamiliesAndAClosedInstanceAnswers503() throws Exception {
        MetricsApi bare = new MetricsApi(nodes.getFirst(), null, null);
        WebServer server = serve(bare);
        try {
            Exposition e = Exposition.parse(new String(bare.scrape(MetricsApi.TEXT_FORMAT), StandardCharsets.UTF_8));
            assertThat(e.types().keySet()).noneMatch(n -> n.startsWith("muster_control_") || n.startsWith("muster_agents")
                    || n.startsWith("muster_node_agents") || n.startsWith("muster_member_roles"));
            assertThat(e.value("muster_members", "state", "alive")).isEqualTo(3);
            bare.close();
            bare.close(); // idempotent
            assertThatThrownBy(() -> bare.scrape(MetricsApi.TEXT_FORMAT)).isInstanceOf(IllegalStateException.class);
            HttpResponse<String> r = get(server.port(), null);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("\"error\":\"node stopped\"");
        } finally {
            server.stop();
            bare.close();
        }
    }

    @Test
    @Order(2)
    void aCrashedNodeIsCountedDead() throws Exception {
        Closing.all(servers.get(2), runtimes.get(2), controls.get(2));
        nodes.get(2).close(); // no leave: to the others it crashed
        Awaitility.await("node-1 and node-2 count node-3 dead").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    for (int i = 1; i <= 2; i++) {
                        Exposition e = scrape(i);
                        assertThat(e.value("muster_members", "state", "dead")).as("node-%d", i).isEqualTo(1);
                        assertThat(e.value("muster_members", "state", "alive")).isEqualTo(2);
                    }
                });
        Exposition one = scrape(1);
        Exposition two = scrape(2);
        assertThat(one.value("muster_membership_suspicions_total") + two.value("muster_membership_suspicions_total"))
                .as("node-3 was suspected first").isPositive();
        assertThat(one.value("muster_membership_deaths_declared_total")
                + two.value("muster_membership_deaths_declared_total"))
                .as("one of them declared it dead when its suspicion timed out").isPositive();
    }
}
