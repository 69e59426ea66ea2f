package dev.muster.server;

import static dev.muster.server.Http.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muster.Cluster;
import dev.muster.control.ControlConfig;
import dev.muster.control.ControlPlane;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /api/cluster/health} through a cluster's life: healthy when formed, degraded when a
 * worker crashes, unhealthy (503) when the only replica crashes; and a node without a control
 * plane reports membership only.
 */
class HealthApiTest {

    @TempDir
    Path dir;

    private Cluster one;
    private Cluster two;
    private Cluster three;
    private ControlPlane control1;
    private ControlPlane control2;
    private NodeServer http2;
    private NodeServer bare;

    @AfterEach
    void stop() {
        Closing.all(bare, http2, control2, control1, three, two, one);
    }

    @Test
    void healthyThenDegradedByADeadWorkerThenUnhealthyWithoutALeader() throws Exception {
        one = Loopback.node("health-test", "node-1", List.of());
        control1 = ControlPlane.start(one, ControlConfig.builder().port(0).dataDir(dir.resolve("node-1")).build());
        two = Loopback.node("health-test", "node-2", List.of(one.address()));
        control2 = ControlPlane.start(two, ControlConfig.builder().port(0).replica(false).dataDir(dir.resolve("node-2"))
                .build());
        three = Loopback.node("health-test", "node-3", List.of(one.address()));
        http2 = NodeServer.start(two, control2, "127.0.0.1", 0);
        bare = NodeServer.start(three, "127.0.0.1", 0);

        JsonNode healthy = Awaitility.await("healthy once formed with a leader").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100)).until(() -> get(http2, "/api/cluster/health"),
                        a -> a.status() == 200 && a.body().path("status").asText().equals("healthy")).body();
        assertThat(healthy.path("reasons")).isEmpty();
        assertThat(healthy.path("leader").asText()).isEqualTo("node-1");
        assertThat(healthy.path("quorum").asBoolean()).isTrue();
        assertThat(healthy.path("members").path("alive").asInt()).isEqualTo(3);
        assertThat(healthy.path("local").path("name").asText()).isEqualTo("node-2");

        JsonNode membershipOnly = get(bare, "/api/cluster/health").body();
        assertThat(membershipOnly.path("status").asText()).as("%s", membershipOnly).isIn("healthy", "degraded");
        assertThat(membershipOnly.path("leader").isNull()).isTrue();
        assertThat(membershipOnly.path("quorum").isNull()).isTrue();

        bare.close();
        bare = null;
        three.close(); // a crash
        Http.Answer degraded = Awaitility.await("degraded once node-3 is suspected or dead")
                .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> get(http2, "/api/cluster/health"), a -> a.body().path("status").asText().equals("degraded")
                        && a.body().path("reasons").toString().contains("node-3 is"));
        assertThat(degraded.status()).as("degraded is still 200").isEqualTo(200);

        control1.close();
        one.close(); // the only replica crashes: no leader can be elected
        Http.Answer unhealthy = Awaitility.await("unhealthy without a leader").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> get(http2, "/api/cluster/health"), a -> a.body().path("status").asText().equals("unhealthy"));
        assertThat(unhealthy.status()).isEqualTo(503);
        assertThat(unhealthy.body().path("reasons").get(0).asText()).contains("control plane");
    }
}
