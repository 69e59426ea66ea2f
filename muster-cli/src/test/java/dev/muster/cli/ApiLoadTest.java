package dev.muster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ApiLoad} against a fake node: it sends exactly rate x duration measured requests after
 * the warm-up, counts every answer but a 200 as an error, keeps one latency per success, and
 * reports the body size; {@code bench api} refuses rates and durations out of range.
 */
class ApiLoadTest {

    private HttpServer fake;

    @AfterEach
    void stop() {
        if (fake != null) {
            fake.stop(0);
        }
    }

    @Test
    void theLoadSendsWhatWasAskedAndCountsErrors() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        fake.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        fake.createContext("/", x -> {
            try (x) {
                int n = seen.incrementAndGet();
                byte[] body = "[{\"name\":\"node-1\"}]".getBytes(StandardCharsets.UTF_8);
                x.sendResponseHeaders(n % 10 == 0 ? 500 : 200, body.length); // every tenth fails
                x.getResponseBody().write(body);
            }
        });
        fake.start();
        ApiLoad.Result r = new ApiLoad(URI.create("http://127.0.0.1:" + fake.getAddress().getPort()
                + "/api/cluster/nodes"), null).run(100, Duration.ofMillis(200), Duration.ofSeconds(1));
        assertThat(seen.get()).as("20 warm-up and 100 measured requests").isEqualTo(120);
        assertThat(r.requests()).isEqualTo(100);
        assertThat(r.errors()).as("every tenth answer of the fake is a 500").isEqualTo(10);
        assertThat(r.latencyNanos()).hasSize(90).isSorted();
        assertThat(r.bodyBytes()).isEqualTo(19);
        assertThat(r.quantileMicros(0.5)).isPositive().isLessThanOrEqualTo(r.quantileMicros(0.99));
        assertThat(r.quantileMicros(0.99)).isLessThanOrEqualTo(r.maxMicros());
    }

    @Test
    void theConnectionsClientSendsWhatWasAskedOverFixedConnectionsAndReadsChunkedBodies() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        java.util.Set<Object> peers = java.util.concurrent.ConcurrentHashMap.newKeySet();
        fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        fake.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        fake.createContext("/", x -> {
            try (x) {
                int n = seen.incrementAndGet();
                peers.add(x.getRemoteAddress());
                assertThat(x.getRequestHeaders().getFirst("Authorization")).isEqualTo("Bearer t0k");
                byte[] body = "[{\"name\":\"node-1\"}]".getBytes(StandardCharsets.UTF_8);
                // every tenth fails; every third is chunked (length 0 = chunked in HttpServer)
                x.sendResponseHeaders(n % 10 == 0 ? 500 : 200, n % 3 == 0 ? 0 : body.length);
                x.getResponseBody().write(body);
            }
        });
        fake.start();
        ApiLoad.Result r = new ConnectionLoad(URI.create("http://127.0.0.1:" + fake.getAddress().getPort()
                + "/api/cluster/nodes"), "t0k", 3).run(100, Duration.ofMillis(200), Duration.ofSeconds(1));
        assertThat(seen.get()).as("20 warm-up and 100 measured requests").isEqualTo(120);
        assertThat(r.requests()).isEqualTo(100);
        assertThat(r.errors()).as("every tenth answer of the fake is a 500").isEqualTo(10);
        assertThat(r.latencyNanos()).hasSize(90).isSorted();
        assertThat(r.bodyBytes()).isEqualTo(19);
        assertThat(peers).as("three keep-alive connections, kept across warm-up and measurement").hasSize(3);
        assertThat(r.quantileMicros(0.5)).isPositive().isLessThanOrEqualTo(r.quantileMicros(0.99));
    }

    @Test
    void theConnectionsClientCountsARefusedConnectionAsAnErrorAndTriesAgain() throws Exception {
        ApiLoad.Result r = new ConnectionLoad(URI.create("http://127.0.0.1:1/"), null, 2)
                .run(50, Duration.ZERO, Duration.ofMillis(200));
        assertThat(r.requests()).isEqualTo(10);
        assertThat(r.errors()).isEqualTo(10);
        assertThatThrownBy(() -> new ConnectionLoad(URI.create("http://127.0.0.1:1/"), null, 0))
                .hasMessageContaining("--connections (0) must be between 1 and 64");
        AgentsCommandTest.Run bad = AgentsCommandTest.run(java.util.List.of("bench", "api", "--client", "curl"));
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--client: 'curl' must be connections or jdk");
    }

    @Test
    void aLoadOutOfRangeIsRefused() {
        ApiLoad load = new ApiLoad(URI.create("http://127.0.0.1:1/"), null);
        assertThatThrownBy(() -> load.run(0, Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("--rate (0) must be between 1 and 10000");
        assertThatThrownBy(() -> load.run(10_000, Duration.ZERO, Duration.ofMinutes(10)))
                .hasMessageContaining("it must be 1 to 1000000");
        AgentsCommandTest.Run r = AgentsCommandTest.run(java.util.List.of("bench", "api", "--duration", "0s"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--duration (0s) must be between 1s and 10m");
        AgentsCommandTest.Run port = AgentsCommandTest.run(java.util.List.of("bench", "api", "--base-port", "31500"));
        assertThat(port.code()).isEqualTo(2);
        assertThat(port.err()).contains("must stay below 32768");
    }
}
