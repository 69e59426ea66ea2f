package dev.muster.server;

import static dev.muster.server.Http.assertError;
import static dev.muster.server.Http.get;
import static dev.muster.server.Http.json;
import static dev.muster.server.Http.postBytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muster.Cluster;
import dev.muster.content.Digest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The content endpoints on a two-node cluster in this JVM, each node with its HTTP server. */
class ContentApiTest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static Cluster one;
    private static Cluster two;
    private static NodeServer http1;
    private static NodeServer http2;

    @BeforeAll
    static void start() {
        one = Loopback.node("content-api-test", "node-1", List.of());
        two = Loopback.node("content-api-test", "node-2", List.of(one.address()));
        http1 = NodeServer.start(one, "127.0.0.1", 0);
        http2 = NodeServer.start(two, "127.0.0.1", 0);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> one.info().alive() == 2 && two.info().alive() == 2);
    }

    @AfterAll
    static void stop() {
        Closing.all(http2, http1, two, one);
    }

    private static HttpResponse<byte[]> raw(NodeServer s, String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anInjectReachesTheOtherNodeWhichServesItsBytesAndInfo() throws Exception {
        HttpResponse<byte[]> posted = postBytes(http1, "/api/cluster/content?energy=3&fanout=2", utf8("hello, world"), null);
        JsonNode made = json(posted).body();
        assertThat(posted.statusCode()).isEqualTo(201);
        String digest = Digest.of(utf8("hello, world")).toString();
        assertThat(made.path("digest").asText()).isEqualTo(digest);
        assertThat(made.path("duplicate").asBoolean()).isFalse();
        assertThat(made.path("origin").asText()).isEqualTo("node-1");
        assertThat(made.path("energy").asInt()).isEqualTo(3);

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> raw(http2, "/api/cluster/content/" + digest).statusCode() == 200);
        assertThat(new String(raw(http2, "/api/cluster/content/" + digest).body(), StandardCharsets.UTF_8)).isEqualTo("hello, world");
        JsonNode info = get(http2, "/api/cluster/content/" + digest + "/info").body();
        assertThat(info.path("hops").asInt()).isEqualTo(1);
        assertThat(info.path("size").asInt()).isEqualTo(12);
        assertThat(info.path("first_seen_at_ms").asLong()).isGreaterThanOrEqualTo(info.path("injected_at_ms").asLong() - 1);
        JsonNode listed = get(http2, "/api/cluster/content").body();
        assertThat(listed.path("entries").findValuesAsText("digest")).contains(digest);
        assertThat(listed.path("stats").path("pushes_received").asLong()).isPositive();

        JsonNode again = json(postBytes(http2, "/api/cluster/content", utf8("hello, world"), null)).body();
        assertThat(again.path("duplicate").asBoolean()).as("the same content at another node is one entry").isTrue();
    }

    @Test
    void contentKeptOnOneNodeIsFetchedThroughAnotherOnlyWhenAsked() throws Exception {
        JsonNode made = json(postBytes(http1, "/api/cluster/content?energy=0", utf8("only here"), null)).body();
        String digest = made.path("digest").asText();
        assertError(json(raw(http2, "/api/cluster/content/" + digest)), 404, "unknown content", "?fetch=true");
        HttpResponse<byte[]> fetched = raw(http2, "/api/cluster/content/" + digest + "?fetch=true");
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(new String(fetched.body(), StandardCharsets.UTF_8)).isEqualTo("only here");
    }

    @Test
    void badRequestsSayWhatIsWrongAndStoreNothing() throws Exception {
        long before = one.content().stats().entries();
        assertError(get(http1, "/api/cluster/content/abc"), 400, "bad request", "must be 64 hex digits");
        assertError(get(http1, "/api/cluster/content/" + "0".repeat(64) + "/info"), 404, "unknown content", "does not hold");
        assertError(json(postBytes(http1, "/api/cluster/content?energy=99", utf8("x"), null)), 400, "bad request",
                "'energy': '99' must be a whole number from 0 to 64");
        assertError(json(postBytes(http1, "/api/cluster/content?fanout=zero", utf8("x"), null)), 400, "bad request",
                "'fanout'");
        assertError(json(postBytes(http1, "/api/cluster/content?energi=3", utf8("x"), null)), 400, "bad request",
                "unknown query parameter 'energi'");
        assertError(json(postBytes(http1, "/api/cluster/content", new byte[one.content().maxContentBytes() + 1], null)),
                413, "body too large", "content.max-content-bytes");
        assertThat(one.content().stats().entries()).isEqualTo(before);
    }
}
