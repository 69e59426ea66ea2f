package dev.muster.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muster.Cluster;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.logging.LogEntry;

/**
 * The dashboard in headless Chromium where things are missing: a node without a control plane
 * (no leader, no strategy, no agents) that then stops answering and comes back, and a node
 * whose reads need the token, opened without it. The page must
 * say what is missing, never throw, and keep to failed loads the node itself caused: the only
 * console errors allowed are the browser's own lines about a request the node refused or could
 * not take.
 */
class DashboardStatesBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(50);

    private static Cluster node;
    private static NodeServer server;
    /** The server's port, kept: the node comes back on it. */
    private static int port;
    private static HeadlessChromium browser;

    @BeforeAll
    static void start() {
        browser = HeadlessChromium.start(1100, 900); // skips (or fails under CI) without chromium
        node = Loopback.node("dashboard-states-test", "node-1", List.of());
        server = NodeServer.start(node, "127.0.0.1", 0);
        port = server.port();
    }

    @AfterAll
    static void stop() {
        Closing.all(browser, server, node);
    }


    private static Object mode() {
        return browser.script("return document.getElementById('link').dataset.mode");
    }

    private static List<LogEntry> failedLoadsOnly(String why) {
        return failedLoads(port, why);
    }

    /** The console's errors, each of which must be a load of {@code /api/} on that port that failed. */
    private static List<LogEntry> failedLoads(int port, String why) {
        List<LogEntry> severe = browser.console().stream()
                .peek(e -> System.out.println("browser console: " + e.getLevel() + " " + e.getMessage()))
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
        String api = "http://127.0.0.1:" + port + "/api/";
        assertThat(severe).as("console errors %s: only failed loads of %s*", why, api).allSatisfy(e ->
                assertThat(e.getMessage()).startsWith(api).contains("Failed to load resource"));
        return severe;
    }

    @Test
    void aNodeThatProtectsItsReadsAsksForTheTokenAndShowsAllOnceGiven() {
        String token = "states-test-token-0123";
        try (NodeServer guarded = NodeServer.start(node, null, null, "127.0.0.1", 0,
                new NodeServer.Options(token, true, 1024))) {
            String page = "http://127.0.0.1:" + guarded.port() + "/";
            browser.open(page); // a new port is a new origin: no token stored for it
            Awaitility.await("the page asks for the token").atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
                assertThat(mode()).isEqualTo("unauthorized");
                assertThat(browser.text("#banner")).contains("asks for the cluster token", ".muster/token");
            });
            List<LogEntry> refused = failedLoads(guarded.port(), "before the token is given");
            assertThat(refused).as("each refusal is a 401").allSatisfy(e -> assertThat(e.getMessage()).contains("401"));
            browser.driver().findElement(org.openqa.selenium.By.id("token")).sendKeys(token);
            browser.driver().findElement(org.openqa.selenium.By.cssSelector("#token-form button[type='submit']"))
                    .click();
            Awaitility.await("with the token the page shows the node, live").atMost(WAIT).pollInterval(POLL)
                    .untilAsserted(() -> {
                        assertThat(browser.script("return document.querySelectorAll('#topology g.node').length"))
                                .isEqualTo(1L);
                        assertThat(browser.text("#banner")).isEmpty();
                        assertThat(mode()).isEqualTo("live");
                    });
            assertThat(failedLoads(guarded.port(), "once the token is given")).as("no more refusals")
                    .allSatisfy(e -> assertThat(e.getMessage()).doesNotContain("401"));
        }
    }

    @Test
    void aNodeWithoutLeaderOrControlPlaneIsShownAndAnOutageIsSurvived() {
        browser.open("http://127.0.0.1:" + port + "/");
        Awaitility.await("the page shows the one node, and no leader").atMost(WAIT).pollInterval(POLL)
                .untilAsserted(() -> {
                    assertThat(browser.script("return document.querySelectorAll('#topology g.node').length"))
                            .isEqualTo(1L);
                    assertThat(browser.text("#summary")).contains("no leader yet");
                    assertThat(browser.text("#agents tbody")).contains("no control plane");
                });
        assertThat(browser.script("return document.querySelectorAll('#topology g.node[data-leader=\"true\"]').length"))
                .isEqualTo(0L);
        assertThat(browser.text("#strategy-current")).isEqualTo("unknown until a leader is elected");
        assertThat(browser.script("return document.getElementById('strategy-apply').disabled")).isEqualTo(true);
        assertThat(browser.text("#banner")).as("nothing is wrong with the node itself").isEmpty();
        Awaitility.await("two polls pass (the page is 5 s old)").atMost(WAIT).pollInterval(POLL)
                .until(() -> (Boolean) browser.script("return performance.now() > 5000"));
        assertThat(failedLoadsOnly("without a control plane"))
                .as("the agents, refused for want of a control plane, are asked once, not on every poll")
                .filteredOn(e -> e.getMessage().contains("/api/cluster/agents")).hasSizeLessThanOrEqualTo(1);

        server.close();
        Awaitility.await("the page says the node is unreachable").atMost(WAIT).pollInterval(POLL).untilAsserted(() -> {
            assertThat(mode()).isEqualTo("unreachable");
            assertThat(browser.text("#banner")).contains("Cannot reach this node");
        });
        assertThat(browser.script("return document.querySelectorAll('#topology g.node').length"))
                .as("the last figures read stay").isEqualTo(1L);
        failedLoadsOnly("while the node is down");

        server = NodeServer.start(node, "127.0.0.1", port);
        Awaitility.await("the page recovers once the node answers again").atMost(WAIT).pollInterval(POLL)
                .untilAsserted(() -> {
                    assertThat(mode()).isIn("live", "polling");
                    assertThat(browser.text("#banner")).isEmpty();
                    assertThat(browser.text("#agents tbody")).contains("no control plane");
                });
        failedLoadsOnly("after the node came back");
    }
}
