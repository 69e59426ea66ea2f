package dev.muster.server;

import dev.muster.Cluster;
import dev.muster.agents.AgentRuntime;
import dev.muster.control.ControlPlane;
import io.helidon.webserver.http.HttpRouting;

/** {@code GET /metrics}: Prometheus text. Being built (issue 8); answers 503 until then. */
final class MetricsApi implements AutoCloseable {

    MetricsApi(Cluster cluster, ControlPlane control, AgentRuntime runtime) {
    }

    void routes(HttpRouting.Builder r) {
        r.get("/metrics", (req, res) -> NodeServer.fail(res, new ApiError(503, "not built", "metrics are being built")));
    }

    @Override
    public void close() {
    }
}
