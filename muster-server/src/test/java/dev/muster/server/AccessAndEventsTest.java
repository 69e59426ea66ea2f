package dev.muster.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muster.Cluster;
import dev.muster.control.ControlConfig;
import dev.muster.control.ControlPlane;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster token and the event stream on a real three-node cluster in this JVM: node-1 is the
 * only replica; node-1 and node-2 serve HTTP with a token, node-2 with reads protected too;
 * node-3 is the one that crashes.
 */
class AccessAndEventsTest {

    private static final String TOKEN = "access-test-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    static Path dir;

    private static Cluster one;
    private static Cluster two;
    private static Cluster three;
    private static ControlPlane control1;
    private static ControlPlane control2;
    private static NodeServer http1;
    private static NodeServer http2;

    @BeforeAll
    static void start() throws Exception {
        one = Loopback.node("events-test", "node-1", List.of());
        control1 = ControlPlane.start(one, ControlConfig.builder().port(0).dataDir(dir.resolve("node-1")).build());
        two = Loopback.node("events-test", "node-2", List.of(one.address()));
        control2 = ControlPlane.start(two, ControlConfig.builder().port(0).replica(false).dataDir(dir.resolve("node-2"))
                .build());
        three = Loopback.node("events-test", "node-3", List.of(one.address()));
        http1 = NodeServer.start(one, control1, null, "127.0.0.1", 0, new NodeServer.Options(TOKEN, false, 64));
        http2 = NodeServer.start(two, control2, null, "127.0.0.1", 0, new NodeServer.Options(TOKEN, true, 64));
        Awaitility.await("node-2 knows node-1 as leader and sees three nodes").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> control2.leader().isPresent() && two.info().alive() == 3);
    }

    @AfterAll
    static void stop() {
        Closing.all(http2, http1, control2, control1, three, two, one);
    }

    private record Answer(int status, JsonNode body, HttpResponse<String> raw) {}

    private static Answer send(NodeServer s, String method, String path, String body, String authorization)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = r.body().isEmpty() || r.body().charAt(0) != '{' && r.body().charAt(0) != '[' ? null
                : JSON.readTree(r.body());
        return new Answer(r.statusCode(), json, r);
    }

    private static String strategy() throws Exception {
        return send(http1, "GET", "/api/cluster/strategy", null, null).body().path("strategy").asText();
    }

    @Test
    void aMutationWithoutTheRightTokenIsRefusedAndChangesNothing() throws Exception {
        String before = strategy();
        String other = before.equals("random") ? "weighted" : "random";
        for (String auth : new String[] {null, "Bearer wrong-token-0123456789", "Basic " + TOKEN, "Bearer"}) {
            Answer a = send(http1, "POST", "/api/cluster/strategy", "{\"strategy\": \"" + other + "\"}", auth);
            assertThat(a.status()).as("POST with Authorization %s: %s", auth, a.body()).isEqualTo(401);
            assertThat(a.body().path("error").asText()).isEqualTo("unauthorized");
            assertThat(a.body().path("detail").asText()).contains(auth == null ? "needs the cluster token" : "not this cluster's token");
            assertThat(a.raw().headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        }
        Answer noToken = send(http1, "DELETE", "/api/cluster/agents/nobody", null, null);
        assertThat(noToken.status()).as("DELETE without a token").isEqualTo(401);
        assertThat(strategy()).as("no refused write took effect").isEqualTo(before);

        Answer ok = send(http1, "POST", "/api/cluster/strategy", "{\"strategy\": \"" + other + "\"}", "Bearer " + TOKEN);
        assertThat(ok.status()).as("%s", ok.body()).isEqualTo(200);
        assertThat(strategy()).isEqualTo(other);
        Answer lowerCase = send(http1, "POST", "/api/cluster/strategy", "{\"strategy\": \"" + before + "\"}", "bearer " + TOKEN);
        assertThat(lowerCase.status()).as("the scheme's case does not matter: %s", lowerCase.body()).isEqualTo(200);
    }

    @Test
    void readsAreOpenUnlessProtected() throws Exception {
        assertThat(send(http1, "GET", "/api/cluster/nodes", null, null).status()).isEqualTo(200);
        Answer refused = send(http2, "GET", "/api/cluster/nodes", null, null);
        assertThat(refused.status()).as("a protected read without the token: %s", refused.body()).isEqualTo(401);
        assertThat(send(http2, "GET", "/api/cluster/nodes", null, "Bearer " + TOKEN).status()).isEqualTo(200);
        assertThat(send(http2, "GET", "/metrics", null, null).status()).as("metrics are a read").isEqualTo(401);
        assertThat(send(http2, "GET", "/api/cluster/events?follow=false", null, null).status()).isEqualTo(401);
        assertThat(send(http2, "GET", "/api/cluster/events?follow=false&token=" + TOKEN, null, null).status())
                .as("the event stream takes the token as a parameter (EventSource sends no headers)").isEqualTo(200);
        assertThat(send(http2, "GET", "/api/cluster/nodes?token=" + TOKEN, null, null).status())
                .as("only the event stream takes it as a parameter").isEqualTo(401);
        for (String open : new String[] {"/health/alive", "/health/ready"}) {
            assertThat(send(http2, "GET", open, null, null).status()).as(open + " stays open").isEqualTo(200);
        }
    }

    /** One server-sent event as read off the wire. */
    private record Sse(String id, String event, JsonNode data) {}

    /** Reads an event stream on a thread of its own into a queue, until closed. */
    private static final class Stream implements AutoCloseable {
        final BlockingQueue<Sse> events = new LinkedBlockingQueue<>();
        final InputStream body;
        final int status;

        Stream(NodeServer s, String query, String lastEventId) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/api/cluster/events"
                    + query)).header("Accept", "text/event-stream");
            if (lastEventId != null) {
                b.header("Last-Event-ID", lastEventId);
            }
            HttpResponse<InputStream> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            status = r.statusCode();
            body = r.body();
            Thread.ofVirtual().start(this::read);
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String id = null;
                String event = null;
                StringBuilder data = new StringBuilder();
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.isEmpty()) {
                        if (!data.isEmpty()) {
                            events.add(new Sse(id, event, JSON.readTree(data.toString())));
                        }
                        id = null;
                        event = null;
                        data.setLength(0);
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).strip();
                    } else if (line.startsWith("event:")) {
                        event = line.substring(6).strip();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).strip());
                    }
                }
            } catch (Exception closed) {
                // the test closed the stream
            }
        }

        /** The next event of {@code type} within 20 s, skipping others. */
        Sse next(String type) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                Sse e = events.poll(200, TimeUnit.MILLISECONDS);
                if (e != null && e.event().equals(type)) {
                    return e;
                }
            }
            throw new AssertionError("no " + type + " event within 20 s");
        }

        /** Every event that arrives within {@code millis}. */
        List<Sse> drain(long millis) throws InterruptedException {
            List<Sse> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            for (long left; (left = deadline - System.nanoTime()) > 0; ) {
                Sse e = events.poll(left, TimeUnit.NANOSECONDS);
                if (e != null) {
                    out.add(e);
                }
            }
            return out;
        }

        @Override
        public void close() throws Exception {
            body.close();
        }
    }

    @Test
    void theStreamShowsWritesAndACrashAndResumesAfterTheLastEventSeen() throws Exception {
        Sse strategyEvent;
        try (Stream s = new Stream(http1, "", null)) {
            assertThat(s.status).isEqualTo(200);
            String target = strategy().equals("least-agents") ? "least-loaded" : "least-agents";
            assertThat(send(http1, "POST", "/api/cluster/strategy", "{\"strategy\": \"" + target + "\"}", "Bearer " + TOKEN)
                    .status()).isEqualTo(200);
            strategyEvent = s.next("strategy");
            while (!strategyEvent.data().path("strategy").asText().equals(target)) {
                strategyEvent = s.next("strategy"); // an earlier test's switch may come first from the buffer
            }
            assertThat(strategyEvent.id()).matches("[0-9a-z]+\\.[0-9]+");
            assertThat(strategyEvent.data().path("seq").asLong()).isEqualTo(Long.parseLong(strategyEvent.id()
                    .substring(strategyEvent.id().indexOf('.') + 1)));

            assertThat(send(http1, "POST", "/api/cluster/nodes/node-2", "{\"status\": \"draining\"}", "Bearer " + TOKEN)
                    .status()).isEqualTo(200);
            Sse status = s.next("status");
            assertThat(status.data().path("node").asText()).isEqualTo("node-2");
            assertThat(status.data().path("status").asText()).isEqualTo("draining");
            assertThat(send(http1, "POST", "/api/cluster/nodes/node-2", "{\"status\": \"online\"}", "Bearer " + TOKEN)
                    .status()).isEqualTo(200);
        }

        try (Stream resumed = new Stream(http1, "?types=status,member", strategyEvent.id())) {
            Sse first = resumed.next("status");
            assertThat(first.data().path("status").asText())
                    .as("resuming after the strategy event starts with the status change that followed it")
                    .isEqualTo("draining");
            assertThat(Long.parseLong(first.id().substring(first.id().indexOf('.') + 1)))
                    .isGreaterThan(strategyEvent.data().path("seq").asLong());
            three.close(); // a crash: no leave
            Sse dead;
            do {
                dead = resumed.next("member");
            } while (!(dead.data().path("node").asText().equals("node-3") && dead.data().path("kind").asText().equals("dead")));
            assertThat(dead.data().path("state").asText()).isEqualTo("dead");
        }
    }

    @Test
    void anIdOfAnotherRunOrOneTheBufferNoLongerHoldsStartsWithAReset() throws Exception {
        try (Stream s = new Stream(http1, "?follow=false", "zzzz.5")) {
            List<Sse> got = s.drain(2000);
            assertThat(got).as("a foreign id gets a reset first, then what the buffer holds").isNotEmpty();
            assertThat(got.get(0).event()).isEqualTo("reset");
            assertThat(got.get(0).data().path("reason").asText()).contains("zzzz.5");
        }
        // a server whose buffer holds 4 events: 6 status changes push the first out
        try (NodeServer small = NodeServer.start(one, control1, null, "127.0.0.1", 0, new NodeServer.Options(TOKEN, false, 4))) {
            String first = null;
            try (Stream s = new Stream(small, "?types=status", null)) {
                for (int i = 0; i < 6; i++) {
                    String st = i % 2 == 0 ? "draining" : "online";
                    assertThat(send(small, "POST", "/api/cluster/nodes/node-2", "{\"status\": \"" + st + "\"}",
                            "Bearer " + TOKEN).status()).isEqualTo(200);
                    Sse e = s.next("status"); // one change at a time: the feed compares states every 100 ms
                    assertThat(e.data().path("status").asText()).isEqualTo(st);
                    first = first == null ? e.id() : first;
                }
            }
            try (Stream s = new Stream(small, "?follow=false", first)) {
                List<Sse> got = s.drain(1500);
                assertThat(got).isNotEmpty();
                assertThat(got.get(0).event()).as("the event after %s has left the buffer", first).isEqualTo("reset");
                assertThat(got.get(0).data().path("reason").asText()).contains("fell behind");
                assertThat(got).hasSizeLessThanOrEqualTo(5);
            }
        }
    }

    @Test
    void badParametersAreRefused() throws Exception {
        Answer type = send(http1, "GET", "/api/cluster/events?types=member,gossip", null, null);
        assertThat(type.status()).isEqualTo(400);
        assertThat(type.body().path("detail").asText()).contains("'gossip' is no event type");
        Answer follow = send(http1, "GET", "/api/cluster/events?follow=maybe", null, null);
        assertThat(follow.status()).isEqualTo(400);
        assertThat(follow.body().path("detail").asText()).contains("follow: 'maybe' must be true or false");
    }
}
