package dev.muster.server;

import static dev.muster.server.Http.assertError;
import static dev.muster.server.Http.get;
import static dev.muster.server.Http.json;
import static dev.muster.server.Http.postBytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muster.Cluster;
import dev.muster.services.Reply;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.StreamSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The service endpoints on a two-node cluster in this JVM, each node with its HTTP server:
 * {@code echo} on both nodes (node-1's with metadata), and on node-1 a handler that throws, one
 * that sleeps, a typed one and a counter of its calls. Calls go through node-2's API, to either
 * node; every refused request answers its reason and calls nothing.
 */
class ServicesApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** A typed handler's request. */
    record Add(long delta) {}

    private static Cluster one;
    private static Cluster two;
    private static NodeServer http1;
    private static NodeServer http2;
    private static final AtomicLong counted = new AtomicLong();

    @BeforeAll
    static void start() {
        one = Loopback.node("services-api-test", "node-1", List.of());
        two = Loopback.node("services-api-test", "node-2", List.of(one.address()));
        for (Cluster c : List.of(one, two)) {
            String name = c.localMember().name();
            c.services().register("echo", (request, ctx) -> {
                Map<String, String> headers = new java.util.HashMap<>(request.headers()); // content-type, if sent
                headers.put("node", name);
                return new Reply(request.payload(), headers);
            }, name.equals("node-1") ? Map.of("version", "1.2", "zone", "a") : Map.of());
        }
        one.services().register("boom", (request, ctx) -> {
            throw new IllegalStateException("the disk is on fire");
        });
        one.services().register("slow", (request, ctx) -> {
            Thread.sleep(ctx.remaining()); // until the caller gives up
            return Reply.EMPTY;
        });
        one.services().register("sum", Add.class, (add, ctx) -> add.delta() + 1, Map.of());
        one.services().register("count", (request, ctx) -> Reply.of(Long.toString(counted.incrementAndGet())
                .getBytes(StandardCharsets.UTF_8)));
        http1 = NodeServer.start(one, "127.0.0.1", 0);
        http2 = NodeServer.start(two, "127.0.0.1", 0);
        Awaitility.await("node-2 resolves every service").atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> two.services().resolve("echo").size() == 2 && two.services().catalog().keySet()
                        .containsAll(Set.of("boom", "slow", "sum", "count")));
    }

    @AfterAll
    static void stop() {
        Closing.all(http2, http1, two, one);
    }

    private static List<String> nodes(JsonNode instances) {
        return StreamSupport.stream(instances.spliterator(), false).map(i -> i.path("node").asText()).toList();
    }

    private static HttpResponse<byte[]> call(String service, String query, String body) throws Exception {
        return postBytes(http2, "/api/cluster/services/" + service + "/call" + query,
                body.getBytes(StandardCharsets.UTF_8), "text/plain");
    }

    private static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void theCatalogListsEveryServiceWithItsInstances() throws Exception {
        Http.Answer a = get(http2, "/api/cluster/services");
        assertThat(a.status()).as("%s", a.body()).isEqualTo(200);
        assertThat(a.body().fieldNames()).toIterable().contains("echo", "boom", "slow", "sum", "count");
        assertThat(nodes(a.body().path("echo"))).containsExactly("node-1", "node-2");
        assertThat(nodes(a.body().path("boom"))).containsExactly("node-1");
        JsonNode first = a.body().path("echo").get(0);
        assertThat(first.path("address").asText()).isEqualTo(one.address().toString());
        assertThat(first.path("health").asText()).isEqualTo("passing");
        assertThat(first.path("metadata").path("version").asText()).isEqualTo("1.2");
        assertThat(first.path("metadata").path("zone").asText()).isEqualTo("a");
        assertThat(a.body().path("echo").get(1).path("metadata").size()).isZero();
    }

    @Test
    void oneServiceIsItsInstancesAndAnUnknownOneIs404() throws Exception {
        Http.Answer a = get(http1, "/api/cluster/services/echo");
        assertThat(a.status()).as("%s", a.body()).isEqualTo(200);
        assertThat(nodes(a.body())).containsExactly("node-1", "node-2");
        for (String field : List.of("node", "address", "metadata", "health")) {
            assertThat(a.body().get(0).has(field)).as("field %s of %s", field, a.body()).isTrue();
        }
        assertError(get(http1, "/api/cluster/services/nope"), 404, "unknown service", "no live node offers service 'nope'");
    }

    @Test
    void aCallAnswersThePayloadAsSentAndTheReplyHeaders() throws Exception {
        HttpResponse<byte[]> r = call("echo", "?timeout=2s&node=node-1", "hello");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(text(r)).isEqualTo("hello");
        assertThat(r.headers().firstValue("content-type")).as("the request's type passed through and back")
                .hasValue("text/plain");
        assertThat(r.headers().firstValue(NodeServer.REPLY_HEADER_PREFIX + "node")).hasValue("node-1");

        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        HttpResponse<byte[]> bytes = postBytes(http2, "/api/cluster/services/echo/call?node=node-2", all, null);
        assertThat(bytes.statusCode()).isEqualTo(200);
        assertThat(bytes.body()).as("every byte value, as sent").isEqualTo(all);
        assertThat(bytes.headers().firstValue("content-type")).as("no content type sent: bytes")
                .hasValue("application/octet-stream");

        Set<String> servedBy = new HashSet<>();
        for (int k = 0; k < 2; k++) {
            HttpResponse<byte[]> any = call("echo", "?timeout=2s", "round " + k);
            assertThat(any.statusCode()).as(text(any)).isEqualTo(200);
            servedBy.add(any.headers().firstValue(NodeServer.REPLY_HEADER_PREFIX + "node").orElse("?"));
        }
        assertThat(servedBy).as("round-robin over both instances").containsExactlyInAnyOrder("node-1", "node-2");

        HttpResponse<byte[]> typed = call("sum", "", "{\"delta\": 41}");
        assertThat(typed.statusCode()).as(text(typed)).isEqualTo(200);
        assertThat(text(typed)).isEqualTo("42");
    }

    @Test
    void failedCallsAnswerTheStatusOfTheirKind() throws Exception {
        assertError(json(call("boom", "?timeout=2s", "x")), 502, "handler failed",
                "java.lang.IllegalStateException: the disk is on fire");
        assertError(json(call("slow", "?timeout=200ms", "x")), 504, "timeout", "timed out after 200ms");
        assertError(json(call("sum", "", "not json")), 400, "bad payload", "cannot decode 8 bytes of JSON");
        assertError(json(call("nope", "?timeout=2s", "x")), 404, "unknown service", "no live node offers service 'nope'");
        assertThat(get(http2, "/health/ready").status()).as("the node still serves").isEqualTo(200);
    }

    @Test
    void badRequestsAreRefusedWithTheirReasonAndCallNothing() throws Exception {
        HttpResponse<byte[]> first = call("count", "", "");
        assertThat(first.statusCode()).as(text(first)).isEqualTo(200);
        long before = counted.get();
        long callsBefore = two.services().stats().get("count").calls();
        Set<String> catalogBefore = two.services().catalog().keySet();

        assertError(json(call("count", "?timeout=2x", "")), 400, "bad request",
                "query parameter 'timeout' '2x' is not a duration; write a number with a unit");
        assertError(json(call("count", "?timeout=0s", "")), 400, "bad request",
                "query parameter 'timeout' (0s) must be between 1ms and 5m");
        assertError(json(call("count", "?timeout=10m", "")), 400, "bad request",
                "query parameter 'timeout' (10m) must be between 1ms and 5m");
        assertError(json(call("count", "?timeuot=1s", "")), 400, "bad request", "unknown query parameter 'timeuot'");
        assertError(json(call("count", "?node=node-9", "")), 404, "unknown node", "no member named 'node-9'");
        assertError(json(call("count", "?node=node-2", "")), 404, "unknown service", "node node-2 offers no service 'count'");
        assertError(json(postBytes(http2, "/api/cluster/services/count/call", new byte[ServicesApi.MAX_CALL_BYTES + 1],
                null)), 413, "body too large", "exceeds " + ServicesApi.MAX_CALL_BYTES + " bytes, the limit of a call over HTTP");

        assertThat(counted.get()).as("no refused request reached the handler").isEqualTo(before);
        assertThat(two.services().stats().get("count").calls()).as("no refused request made a call").isEqualTo(callsBefore);
        assertThat(two.services().catalog().keySet()).isEqualTo(catalogBefore);
        HttpResponse<byte[]> after = call("count", "", "");
        assertThat(text(after)).as("the next call is the next count").isEqualTo(Long.toString(before + 1));
    }

    @Test
    void statsCountEachServicesCallsAndServes() throws Exception {
        assertThat(call("echo", "?node=node-1", "s").statusCode()).isEqualTo(200);
        JsonNode echo = get(http2, "/api/cluster/stats").body().path("services").path("echo");
        assertThat(echo.path("instances").asInt()).as("%s", echo).isEqualTo(2);
        assertThat(echo.path("calls").asLong()).as("%s", echo).isPositive();
        assertThat(echo.path("latency_ms").path("count").asLong()).as("%s", echo).isPositive();
        for (String field : List.of("errors", "timeouts", "in_flight", "retries", "bytes_out", "bytes_in", "served",
                "serve_errors")) {
            assertThat(echo.path(field).isNumber()).as("field %s of %s", field, echo).isTrue();
        }
        Awaitility.await("node-1 counts what it served").atMost(WAIT).until(() -> get(http1, "/api/cluster/stats")
                .body().path("services").path("echo").path("served").asLong() > 0);
        JsonNode boom = get(http1, "/api/cluster/stats").body().path("services").path("boom");
        assertThat(boom.path("instances").asInt()).as("%s", boom).isEqualTo(1);
    }
}
