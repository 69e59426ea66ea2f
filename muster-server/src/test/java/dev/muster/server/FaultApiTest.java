package dev.muster.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.membership.MembershipConfig;
import dev.muster.transport.FaultFilter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fault endpoints of two nodes in this JVM on loopback: node-1 runs with fault injection,
 * node-2 without. Rules set over HTTP show in GET and in the node's filter; every bad request
 * gets the right status and {"error","detail"} and changes no rule.
 */
class FaultApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** A peer that is no member: rules may name any address. */
    private static final String STRANGER = "127.0.0.1:1";

    private static Cluster one;
    private static Cluster two;
    private static NodeServer http1;
    private static NodeServer http2;

    private record Answer(int status, JsonNode body) {}

    @BeforeAll
    static void start() {
        one = node("node-1", true, List.of());
        two = node("node-2", false, List.of(one.address()));
        http1 = NodeServer.start(one, "127.0.0.1", 0);
        http2 = NodeServer.start(two, "127.0.0.1", 0);
        Awaitility.await("node-1 knows node-2").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> one.member("node-2").isPresent());
    }

    private static Cluster node(String name, boolean faults, List<dev.muster.Address> seeds) {
        return Cluster.start(ClusterConfig.builder().clusterName("fault-api-test").nodeName(name).bindHost("127.0.0.1")
                .port(0).httpPort(-1).clusterSize(2).seeds(seeds).faultInjection(faults)
                .membership(MembershipConfig.local()).build());
    }

    @AfterEach
    void heal() {
        one.faults().healAll();
    }

    @AfterAll
    static void stop() {
        Closing.all(http2, http1, two, one);
    }

    private static Answer get(NodeServer s, String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(s, path)).GET());
    }

    private static Answer post(NodeServer s, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(s, "/api/faults")).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static Answer delete(NodeServer s, String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(s, path)).DELETE());
    }

    private static URI uri(NodeServer s, String path) {
        return URI.create("http://127.0.0.1:" + s.port() + path);
    }

    private static Answer send(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r = HTTP.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    private static void assertError(Answer a, int status, String error, String detailContains) {
        assertThat(a.status()).as("status of %s", a.body()).isEqualTo(status);
        assertThat(a.body().path("error").asText()).as("error of %s", a.body()).isEqualTo(error);
        assertThat(a.body().path("detail").asText()).as("detail of %s", a.body()).contains(detailContains);
    }

    private static JsonNode ruleIn(JsonNode list, String peer) {
        for (JsonNode r : list.path("rules")) {
            if (r.path("peer").asText().equals(peer)) {
                return r;
            }
        }
        return null;
    }

    @Test
    void anOutboundBlackHoleIsAOneWayCutAndABadDirectionIsRefused() throws Exception {
        Answer bad = post(http1, "{\"peer\": \"node-2\", \"blackhole\": true, \"direction\": \"sideways\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().path("detail").asText()).contains("direction 'sideways' must be both, out or in");
        assertThat(one.faults().rules()).as("the refused rule changed nothing").isEmpty();
        Answer set = post(http1, "{\"peer\": \"node-2\", \"blackhole\": true, \"direction\": \"out\"}");
        assertThat(set.status()).as("%s", set.body()).isEqualTo(200);
        assertThat(set.body().path("direction").asText()).isEqualTo("out");
        assertThat(one.faults().rules().get(two.address()).direction()).isEqualTo(FaultFilter.Direction.OUTBOUND);
        assertThat(one.faults().drops(two.address(), FaultFilter.Direction.INBOUND)).isFalse();
        Answer jitter = post(http1, "{\"peer\": \"node-2\", \"delay_ms\": 200, \"jitter_ms\": 50}");
        assertThat(jitter.body().path("jitter_ms").asLong()).as("%s", jitter.body()).isEqualTo(50);
        Answer tooMuch = post(http1, "{\"peer\": \"node-2\", \"delay_ms\": 20, \"jitter_ms\": 50}");
        assertThat(tooMuch.status()).isEqualTo(400);
        assertThat(tooMuch.body().path("detail").asText()).contains("jitter_ms (50) needs a delay_ms at least as large");
        assertThat(one.faults().rules().get(two.address()).delay()).as("unchanged").isEqualTo(Duration.ofMillis(200));
        assertThat(delete(http1, "/api/faults").status()).isEqualTo(200);
    }

    @Test
    void aBlackHoleSetByNameShowsInGetAndInTheFilterAndHealsByAddress() throws Exception {
        String peer = two.address().toString();
        Answer set = post(http1, "{\"peer\": \"node-2\", \"blackhole\": true}");
        assertThat(set.status()).as("%s", set.body()).isEqualTo(200);
        assertThat(set.body().path("peer").asText()).isEqualTo(peer);
        assertThat(set.body().path("blackhole").asBoolean()).isTrue();
        assertThat(set.body().path("drop_rate").asDouble()).isEqualTo(1.0);
        assertThat(set.body().path("delay_ms").asLong()).isZero();

        JsonNode list = get(http1, "/api/faults").body();
        assertThat(list.path("enabled").asBoolean()).isTrue();
        JsonNode rule = ruleIn(list, peer);
        assertThat(rule).as("the black hole in %s", list).isNotNull();
        assertThat(rule.path("blackhole").asBoolean()).isTrue();
        assertThat(one.faults().rules().get(two.address()).blackhole()).as("the filter has the rule").isTrue();

        Answer healed = delete(http1, "/api/faults/" + peer);
        assertThat(healed.status()).as("%s", healed.body()).isEqualTo(200);
        assertThat(healed.body().path("healed").asInt()).isEqualTo(1);
        assertThat(get(http1, "/api/faults").body().path("rules")).isEmpty();
    }

    @Test
    void dropAndDelayCombineAndDeleteHealsThemAll() throws Exception {
        Answer drop = post(http1, "{\"peer\": \"" + STRANGER + "\", \"drop_rate\": 0.3, \"delay_ms\": 200}");
        assertThat(drop.status()).as("%s", drop.body()).isEqualTo(200);
        assertThat(drop.body().path("drop_rate").asDouble()).isEqualTo(0.3);
        assertThat(drop.body().path("delay_ms").asLong()).isEqualTo(200);
        assertThat(drop.body().path("blackhole").asBoolean()).isFalse();
        Answer hole = post(http1, "{\"peer\": \"" + STRANGER + "\", \"blackhole\": true}");
        assertThat(hole.body().path("blackhole").asBoolean()).as("%s", hole.body()).isTrue();
        assertThat(hole.body().path("delay_ms").asLong()).as("the delay stays").isEqualTo(200);
        Answer open = post(http1, "{\"peer\": \"" + STRANGER + "\", \"blackhole\": false}");
        assertThat(open.body().path("blackhole").asBoolean()).as("%s", open.body()).isFalse();
        assertThat(open.body().path("drop_rate").asDouble()).isZero();
        assertThat(post(http1, "{\"peer\": \"node-2\", \"delay_ms\": 5}").status()).isEqualTo(200);

        Answer all = delete(http1, "/api/faults");
        assertThat(all.status()).as("%s", all.body()).isEqualTo(200);
        assertThat(all.body().path("healed").asInt()).isEqualTo(2);
        assertThat(get(http1, "/api/faults").body().path("rules")).isEmpty();
        assertThat(one.faults().rules()).isEmpty();
    }

    @Test
    void badRequestsAreRefusedAndChangeNoRule() throws Exception {
        assertThat(post(http1, "{\"peer\": \"" + STRANGER + "\", \"delay_ms\": 7}").status()).isEqualTo(200);
        JsonNode before = get(http1, "/api/faults").body();

        assertError(post(http1, "{\"peer\": "), 400, "bad request", "not valid JSON");
        assertError(post(http1, "[]"), 400, "bad request", "JSON object");
        assertError(post(http1, ""), 400, "bad request", "a JSON body is required");
        assertError(post(http1, "{\"blackhole\": true}"), 400, "bad request", "field 'peer' is missing");
        assertError(post(http1, "{\"peer\": 7956, \"blackhole\": true}"), 400, "bad request", "must be a string");
        assertError(post(http1, "{\"peer\": \"node-2\", \"loss\": 0.5}"), 400, "bad request", "unknown field 'loss'");
        assertError(post(http1, "{\"peer\": \"node-2\"}"), 400, "bad request", "at least one of");
        assertError(post(http1, "{\"peer\": \"node-2\", \"drop_rate\": 1.5}"), 400, "bad request", "between 0 and 1");
        assertError(post(http1, "{\"peer\": \"node-2\", \"drop_rate\": -0.1}"), 400, "bad request", "between 0 and 1");
        assertError(post(http1, "{\"peer\": \"node-2\", \"drop_rate\": \"0.5\"}"), 400, "bad request", "must be a number");
        assertError(post(http1, "{\"peer\": \"node-2\", \"delay_ms\": 60001}"), 400, "bad request", "between 0 and 60000");
        assertError(post(http1, "{\"peer\": \"node-2\", \"delay_ms\": -1}"), 400, "bad request", "between 0 and 60000");
        assertError(post(http1, "{\"peer\": \"node-2\", \"delay_ms\": 1.5}"), 400, "bad request", "whole number");
        assertError(post(http1, "{\"peer\": \"node-2\", \"blackhole\": \"yes\"}"), 400, "bad request", "true or false");
        assertError(post(http1, "{\"peer\": \"node-2\", \"blackhole\": null}"), 400, "bad request", "'blackhole' is missing");
        assertError(post(http1, "{\"peer\": \"node-2\", \"blackhole\": true, \"drop_rate\": 0.5}"), 400, "bad request",
                "must be 1 or left out");
        assertError(post(http1, "{\"peer\": \"127.0.0.1:x\", \"blackhole\": true}"), 400, "bad request", "host:port");
        assertError(post(http1, "{\"peer\": \"node-9\", \"blackhole\": true}"), 404, "unknown node", "no member named 'node-9'");
        assertError(post(http1, "{\"peer\": \"node-2\", \"delay_ms\": 5, \"drop_rate\": 2}"), 400, "bad request",
                "between 0 and 1"); // the valid delay is not applied either
        assertError(delete(http1, "/api/faults/node-9"), 404, "unknown node", "node-9");

        assertThat(get(http1, "/api/faults").body()).as("bad requests change no rule").isEqualTo(before);
    }

    @Test
    void aNodeWithoutFaultInjectionSaysSoAndRefusesRules() throws Exception {
        Answer list = get(http2, "/api/faults");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body().path("enabled").asBoolean(true)).isFalse();
        assertThat(list.body().path("rules").isArray()).isTrue();
        assertThat(list.body().path("rules")).isEmpty();
        assertError(post(http2, "{\"peer\": \"node-1\", \"blackhole\": true}"), 409, "fault injection is off",
                "start the node with --faults");
        assertError(delete(http2, "/api/faults"), 409, "fault injection is off", "--faults");
        assertError(delete(http2, "/api/faults/node-1"), 409, "fault injection is off", "--faults");
    }
}
