package dev.muster.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.MemberState;
import dev.muster.agents.AgentRuntime;
import dev.muster.agents.AgentTypes;
import dev.muster.control.ControlConfig;
import dev.muster.control.ControlPlane;
import dev.muster.membership.MembershipConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.logging.LogEntry;

/**
 * The dashboard in real headless Chromium, on five real nodes in this JVM (node-1 to node-3
 * replicas, node-4 and node-5 workers), each wired as {@code muster serve} wires one: control
 * plane, agent runtime, health reporter, HTTP server with a token. The page is node-1's. It must
 * load with a clean console, show the five nodes and the leader, switch the strategy with the
 * token (and say it needs the token without it), mark node-5 draining and a replica standby
 * once an operator says so, mark node-4 dead after node-4 crashes (closed without leaving), and
 * keep it on the ring as dead once node-1 has reaped it.
 *
 * <p>The tests run in order on one cluster and one browser: each builds on the state the one
 * before left. After each, the browser's console must hold no error (SEVERE: an uncaught
 * exception, a failed load, a refused CSP rule). With {@code -Dmuster.dashboard.screenshot=FILE}
 * the crashed state is saved there as a PNG (docs/dashboard.png comes from this).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final int SIZE = 5;
    /** A worker: it can never lead, and the three replicas keep their quorum without it. */
    private static final int VICTIM = 4;
    private static final String TOKEN = "dashboard-test-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The nodes as the page's ring shows them: name, state, status, role, leader mark. */
    private static final String RING = "return [...document.querySelectorAll('#topology g.node')].map(g => ({"
            + "name: g.dataset.name, state: g.dataset.state, status: g.dataset.status, role: g.dataset.role,"
            + " leader: g.dataset.leader, reaped: g.dataset.reaped}))";

    @TempDir
    static Path dir;

    private static final List<Cluster> nodes = new ArrayList<>();
    private static final List<ControlPlane> controls = new ArrayList<>();
    private static final List<AgentRuntime> runtimes = new ArrayList<>();
    private static final List<HealthReporter.Registration> reporting = new ArrayList<>();
    private static final List<NodeServer> servers = new ArrayList<>();
    private static HealthReporter reporter;
    private static HeadlessChromium browser;

    @BeforeAll
    static void start() throws Exception {
        browser = HeadlessChromium.start(1280, 900); // skips (or fails under CI) without chromium
        reporter = HealthReporter.start(HealthReporter.Scope.JVM, Duration.ofMillis(200));
        for (int i = 1; i <= SIZE; i++) {
            List<Address> seeds = nodes.isEmpty() ? List.of() : List.of(nodes.get(0).address());
            Cluster c = Cluster.start(ClusterConfig.builder().clusterName("dashboard-test").nodeName("node-" + i)
                    .bindHost("127.0.0.1").port(0).httpPort(-1).clusterSize(SIZE).seeds(seeds)
                    .membership(MembershipConfig.local()).build());
            ControlPlane control = ControlPlane.start(c, ControlConfig.builder().replicas(3).port(0)
                    .dataDir(dir.resolve("node-" + i)).build());
            AgentRuntime runtime = AgentRuntime.start(c, control, AgentTypes.builtIn(), dir.resolve("agents-" + i));
            reporting.add(reporter.register(c, dir, 4, Set.of(), runtime::running));
            nodes.add(c);
            controls.add(control);
            runtimes.add(runtime);
            servers.add(NodeServer.start(c, control, runtime, "127.0.0.1", 0,
                    new NodeServer.Options(TOKEN, false, 1024)));
        }
        Awaitility.await("node-1 sees five alive members and a leader").atMost(WAIT).pollInterval(POLL)
                .until(() -> {
                    JsonNode info = get("/api/cluster/info");
                    return info.path("alive").asInt() == SIZE && !info.path("leader").isNull();
                });
        for (String id : List.of("count-a", "count-b", "count-c")) {
            HttpResponse<String> r = post("/api/cluster/agents", "{\"id\": \"" + id + "\", \"type\": \"counter\"}");
            assertThat(r.statusCode()).as("submitting %s: %s", id, r.body()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stop() {
        List<AutoCloseable> all = new ArrayList<>();
        all.add(browser);
        all.addAll(reporting);
        all.add(reporter);
        for (int i = nodes.size() - 1; i >= 0; i--) { // a start that failed half-way leaves shorter lists
            all.addAll(Arrays.asList(at(servers, i), at(runtimes, i), at(controls, i), nodes.get(i)));
        }
        Closing.all(all.toArray(AutoCloseable[]::new));
    }

    private static <T> T at(List<T> list, int i) {
        return i < list.size() ? list.get(i) : null;
    }

    @AfterEach
    void theConsoleHoldsNoError() {
        if (browser == null) {
            return;
        }
        List<LogEntry> entries = browser.console();
        entries.forEach(e -> System.out.println("browser console: " + e.getLevel() + " " + e.getMessage()));
        assertThat(entries).as("the browser console's errors (uncaught exceptions, failed loads, CSP refusals)")
                .noneMatch(e -> e.getLevel().intValue() >= Level.SEVERE.intValue());
    }

    private static String page() {
        return "http://127.0.0.1:" + servers.get(0).port() + "/";
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> ring() {
        return (List<Map<String, Object>>) browser.script(RING);
    }

    private static Map<String, Object> shown(String name) {
        return ring().stream().filter(n -> name.equals(n.get("name"))).findFirst().orElse(Map.of());
    }


    @Test
    @Order(1)
    void thePageShowsEveryNodeAndMarksTheLeader() throws Exception {
        browser.open(page() + "#token=" + TOKEN);
        String leader = get("/api/cluster/info").path("leader").asText();
        Awaitility.await("the ring shows five alive nodes and marks " + leader + " as leader").atMost(WAIT)
                .pollInterval(POLL).untilAsserted(() -> {
                    List<Map<String, Object>> ring = ring();
                    assertThat(ring).as("the ring").hasSize(SIZE).allMatch(n -> "alive".equals(n.get("state")));
                    assertThat(ring).filteredOn(n -> "true".equals(n.get("leader"))).as("the nodes marked leader")
                            .extracting(n -> n.get("name")).containsExactly(leader);
                });
        assertThat(browser.script("return location.hash")).as("the token is taken out of the address").isEqualTo("");
        assertThat(browser.script("return sessionStorage.getItem('muster.token')")).isEqualTo(TOKEN);
        assertThat(browser.driver().findElements(By.cssSelector("#health tbody tr[data-name]"))).hasSize(SIZE);
        Awaitility.await("the three agents are listed").atMost(WAIT).pollInterval(POLL).untilAsserted(() ->
                assertThat(browser.driver().findElements(By.cssSelector("#agents tbody tr[data-id]"))).hasSize(3));
        assertThat(browser.text("#legend")).contains("alive", "suspect", "dead", "left", "joining", "leaving",
                "draining", "standby", "leader");
        assertThat(browser.text("#banner")).as("no error banner").isEmpty();
        Awaitility.await("the page hears the event stream").atMost(WAIT).pollInterval(POLL)
                .until(() -> browser.script("return document.getElementById('link').dataset.mode"), "live"::equals);
    }

    @Test
    @Order(2)
    void theStrategyIsSwitchedThroughThePage() throws Exception {
        String before = get("/api/cluster/strategy").path("strategy").asText();
        String wanted = before.equals("least-agents") ? "random" : "least-agents";
        Awaitility.await("the page shows the strategy " + before).atMost(WAIT).pollInterval(POLL)
                .until(() -> browser.text("#strategy-current"), before::equals);
        browser.driver().findElement(By.cssSelector("#strategy-select option[value='" + wanted + "']")).click();

        browser.driver().findElement(By.id("token-forget")).click();
        browser.driver().findElement(By.id("strategy-apply")).click();
        Awaitility.await("without the token the page asks for it").atMost(WAIT).pollInterval(POLL)
                .until(() -> browser.text("#strategy-result"), t -> t.contains("needs the cluster token"));
        assertThat(get("/api/cluster/strategy").path("strategy").asText()).as("nothing changed").isEqualTo(before);
        assertThat(browser.console()).as("the console's errors: the refused write, and nothing else")
                .filteredOn(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).singleElement()
                .satisfies(e -> assertThat(e.getMessage()).contains("/api/cluster/strategy", "401"));

        browser.driver().findElement(By.id("token")).sendKeys(TOKEN);
        browser.driver().findElement(By.cssSelector("#token-form button[type='submit']")).click();
        browser.driver().findElement(By.id("strategy-apply")).click();
        Awaitility.await("the cluster's strategy becomes " + wanted).atMost(WAIT).pollInterval(POLL)
                .until(() -> get("/api/cluster/strategy").path("strategy").asText(), wanted::equals);
        Awaitility.await("the page says so").atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
            assertThat(browser.text("#strategy-current")).isEqualTo(wanted);
            assertThat(browser.text("#strategy-result")).startsWith("switched to " + wanted);
        });
    }

    @Test
    @Order(3)
    void drainingAndStandbyNodesAreMarked() throws Exception {
        String leader = get("/api/cluster/info").path("leader").asText();
        String standby = leader.equals("node-3") ? "node-2" : "node-3"; // a replica, not leading: each mark alone
        for (var e : Map.of("node-5", "draining", standby, "standby").entrySet()) {
            HttpResponse<String> r = post("/api/cluster/nodes/" + e.getKey(), "{\"status\": \"" + e.getValue() + "\"}");
            assertThat(r.statusCode()).as("setting %s %s: %s", e.getKey(), e.getValue(), r.body()).isEqualTo(200);
            Awaitility.await("the ring marks " + e.getKey() + " " + e.getValue()).atMost(WAIT).pollInterval(POLL)
                    .until(() -> shown(e.getKey()).get("status"), e.getValue()::equals);
            assertThat(browser.text("#topology g.node[data-name='" + e.getKey() + "']")).as("its label")
                    .contains(e.getValue());
        }
    }

    @Test
    @Order(4)
    void aCrashedNodeIsMarkedDead() throws Exception {
        String victim = "node-" + VICTIM;
        assertThat(shown(victim).get("state")).isEqualTo("alive");
        int i = VICTIM - 1;
        Closing.all(servers.get(i), reporting.get(i), runtimes.get(i), controls.get(i), nodes.get(i)); // no leave
        long crashed = System.nanoTime();
        long[] apiDead = {0};
        Awaitility.await("the page marks " + victim + " dead").atMost(WAIT).pollInterval(POLL).until(() -> {
            if (apiDead[0] == 0 && nodes.get(0).member(victim).map(m -> m.state() == MemberState.DEAD).orElse(false)) {
                apiDead[0] = System.nanoTime();
            }
            return "dead".equals(shown(victim).get("state"));
        });
        long pageDead = System.nanoTime();
        System.out.printf("DashboardBrowserTest: %s crashed; node-1 saw it dead after %d ms, the page %d ms after"
                + " that%n", victim, (apiDead[0] - crashed) / 1_000_000, (pageDead - apiDead[0]) / 1_000_000);
        Map<String, Object> dead = shown(victim);
        assertThat(dead.get("status")).as("a dead node is offline").isEqualTo("offline");
        assertThat(ring()).as("the others stay alive").hasSize(SIZE)
                .filteredOn(n -> !victim.equals(n.get("name"))).allMatch(n -> "alive".equals(n.get("state")));
        assertThat(browser.text("#health tbody tr[data-name='" + victim + "']")).contains("dead");
        Awaitility.await("the event feed tells " + victim + " died").atMost(WAIT).pollInterval(POLL).until(() ->
                (Boolean) browser.script("return [...document.querySelectorAll(\"#events li[data-type='member']\")]"
                        + ".some(li => li.innerText.includes(arguments[0]))", victim + " dead"));
        String file = System.getProperty("muster.dashboard.screenshot", "");
        if (!file.isBlank()) {
            browser.screenshot(Path.of(file));
            System.out.println("DashboardBrowserTest: screenshot saved to " + Path.of(file).toAbsolutePath());
        }
    }

    /** node-1 forgets dead node-4 after its retention (15 s, the local profile); the page does not. */
    @Test
    @Order(5)
    void aReapedNodeStaysOnTheRingAsDead() {
        String victim = "node-" + VICTIM;
        Awaitility.await("node-1 reaps " + victim).atMost(WAIT).pollInterval(Duration.ofMillis(200))
                .until(() -> nodes.get(0).member(victim).isEmpty());
        Awaitility.await("the page has read the members since").atMost(WAIT).pollInterval(POLL)
                .until(() -> "true".equals(shown(victim).get("reaped")));
        assertThat(shown(victim)).containsEntry("state", "dead").containsEntry("status", "offline");
        assertThat(ring()).hasSize(SIZE);
        assertThat(browser.text("#health tbody tr[data-name='" + victim + "']")).contains("dead (reaped)");
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + servers.get(0).port() + path))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(20));
    }
}
