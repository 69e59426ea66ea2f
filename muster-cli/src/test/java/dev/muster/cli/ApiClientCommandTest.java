package dev.muster.cli;

import static dev.muster.cli.AgentsCommandTest.assertRefused;
import static dev.muster.cli.AgentsCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.muster.local.ApiToken;
import dev.muster.local.ClusterApi;
import dev.muster.local.EventStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The REST client commands ({@code nodes}, {@code node info}, {@code leader}, {@code events} and
 * the options every client command shares, {@code --url} and {@code --token}) without a cluster:
 * bad arguments are one line naming the option and value, exit code 2, before anything is asked;
 * the token is looked up in order; a 401 says which token was refused; and the event stream is
 * read, resumed and shown, against a small fake node that speaks the documented SSE format.
 */
class ApiClientCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private HttpServer fake;

    @AfterEach
    void stopFake() {
        if (fake != null) {
            fake.stop(0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "nodes --filter sick | --filter: 'sick' is not one of healthy, available",
        "nodes --service a,b | --service 'a,b' must be 1 to 64 characters",
        "nodes --url ftp://127.0.0.1:8151 | --url: 'ftp://127.0.0.1:8151' must be http://HOST:PORT",
        "nodes --url http://127.0.0.1:8151/api/cluster | --url: 'http://127.0.0.1:8151/api/cluster' must be http://HOST:PORT",
        "nodes --url http://127.0.0.1 | --url: 'http://127.0.0.1' must be http://HOST:PORT",
        "nodes --url http://exa$mple:1 | --url: 'http://exa$mple:1'",
        "nodes extra | Unmatched argument at index 1: 'extra'",
        "node info bad/name | ID: node name 'bad/name' must be 1 to 128 characters",
        "node info 0 | ID: index 0 must be at least 1",
        "node info | Missing required parameter: 'ID'",
        "leader --promote bad! | --promote: node name 'bad!' must be 1 to 128 characters",
        "leader --promote | Expected parameter for option '--promote'",
        "events --types member,nope | --types: 'nope' is not an event type; use member, leader, strategy",
        "events --types reset | --types: 'reset' is not an event type",
        "events --types , | --types: '' is not an event type",
        "events --since a\tb | --since: 'a\tb' is no event id",
        "stats --token= | the token from --token: a token of 0 characters; it must have 16 to 256",
        "agents ls --token 0123456789abcdef\tb | the token from --token: the token has a character that is not allowed at position 17",
        "content ls --url http://127.0.0.1:1 --node 2 | --node 2 picks a node of the local cluster; with --url",
        "inject --content x --url http://127.0.0.1:1 --node 1 | --node 1 picks a node of the local cluster"})
    void badArgumentsAreOneClearErrorWithExitCode2(String args, String message) {
        assertRefused(dir, args.replace("\\t", "\t"), message.replace("\\t", "\t"));
    }

    @Test
    void theTokenComesFromTheOptionElseTheVariableElseTheClusterDirectory() throws IOException {
        assertThat(ApiToken.resolve(null, null, dir)).isEqualTo(ApiToken.NONE);
        Files.writeString(dir.resolve("token"), "  s3cret-from-the-file  \nsecond line ignored\n");
        assertThat(ApiToken.resolve(null, null, dir)).isEqualTo(new ApiToken("s3cret-from-the-file",
                dir.resolve("token").toString()));
        assertThat(ApiToken.resolve(null, " from-the-environment ", dir)).isEqualTo(new ApiToken("from-the-environment", "MUSTER_TOKEN"));
        assertThat(ApiToken.resolve(null, "  ", dir).source()).as("a blank variable counts as unset")
                .isEqualTo(dir.resolve("token").toString());
        assertThat(ApiToken.resolve("from-the-option-0123", "from-the-environment", dir)).isEqualTo(new ApiToken("from-the-option-0123", "--token"));
        Files.writeString(dir.resolve("token"), "\n");
        assertThatThrownBy(() -> ApiToken.resolve(null, null, dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the token from " + dir.resolve("token") + ": a token of 0 characters");
    }

    @Test
    void aNodeThatAnswersNothingIsExitCode1NamingTheUrl() {
        AgentsCommandTest.Run r = run(List.of("nodes", "--url", "http://127.0.0.1:1", "--dir", dir.toString()));
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("http://127.0.0.1:1 does not answer");
    }

    @Test
    void a401SaysWhichTokenWasRefusedAndHowToPassOne() throws IOException {
        List<String> seen = new CopyOnWriteArrayList<>();
        fake = serve(x -> {
            seen.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
            answer(x, 401, "application/json", "{\"error\":\"unauthorized\",\"detail\":\"a valid token is required\"}");
        });
        String url = "http://127.0.0.1:" + fake.getAddress().getPort();
        AgentsCommandTest.Run r = run(List.of("nodes", "--url", url, "--token", "wrong-token-0123456789", "--dir", dir.toString()));
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("unauthorized: 127.0.0.1:" + fake.getAddress().getPort() + " refused the request"
                + " (401: a valid token is required); the token sent came from --token. Pass the cluster's token with"
                + " --token TOKEN or the MUSTER_TOKEN variable");
        assertThat(seen).containsExactly("Bearer wrong-token-0123456789");

        Files.writeString(dir.resolve("token"), "from-the-cluster-dir\n");
        AgentsCommandTest.Run byFile = run(List.of("leader", "--promote", "node-2", "--url", url, "--dir", dir.toString()));
        assertThat(byFile.code()).isEqualTo(1);
        assertThat(byFile.err()).contains("the token sent came from " + dir.resolve("token"));
        assertThat(seen).last().isEqualTo("Bearer from-the-cluster-dir");

        AgentsCommandTest.Run events = run(List.of("events", "--url", url, "--dir", dir.toString()));
        assertThat(events.code()).as("the stream checks the token too: %s", events.err()).isEqualTo(1);
        assertThat(events.err()).contains("unauthorized").contains(dir.resolve("token").toString());
    }

    @Test
    void membersShowAsATableAndOneInDetail() throws Exception {
        JsonNode list = JSON.readTree("""
                [{"name":"node-1","address":"127.0.0.1","gossip_port":7946,"http_port":8151,"state":"alive",
                  "incarnation":0,"role":"leader","status":"online","roles":["web"],
                  "health":{"cpu":0.123,"memory":0.5,"disk":null,"load":0.25,"agents":2,"max_agents":16},
                  "services":["echo"],"metadata":{"http-port":"8151","roles":"web"}},
                 {"name":"registered-x","address":"127.0.0.1","gossip_port":7990,"http_port":null,"state":"suspect",
                  "incarnation":3,"role":"worker","status":"draining","roles":[],
                  "health":{"cpu":null,"memory":null,"disk":null,"load":null,"agents":null,"max_agents":null},
                  "services":[],"metadata":{}}]""");
        String[] lines = NodesCommand.table(list).split("\n");
        assertThat(lines[0].split("\\s+")).containsExactly("NAME", "STATE", "ROLE", "STATUS", "ADDRESS", "HTTP", "CPU",
                "MEM", "AGENTS");
        assertThat(lines[1].split("\\s+")).containsExactly("node-1", "alive", "leader", "online", "127.0.0.1:7946", "8151",
                "12%", "50%", "2/16");
        assertThat(lines[2].split("\\s+")).containsExactly("registered-x", "suspect", "worker", "draining",
                "127.0.0.1:7990", "-", "-", "-", "-");
        assertThat(NodesCommand.table(JSON.createArrayNode())).contains("no members match");
        assertThat(NodesCommand.detail(list.get(0))).contains("state:    alive (incarnation 0)\n")
                .contains("http:     127.0.0.1:8151\n").contains("agents:   2/16\n").contains("services: echo\n")
                .contains("metadata: http-port=8151, roles=web\n").contains("load:     0.25\n");
        assertThat(NodesCommand.nodeName("ID", "3")).isEqualTo("node-3");
        assertThat(NodesCommand.nodeName("ID", "registered-x")).isEqualTo("registered-x");
        assertThat(LeaderCommand.text(JSON.readTree("""
                {"leader":"node-2","term":4,"healthy":true,"replicas":["node-1","node-2","node-3"],"alive_replicas":3}""")))
                .isEqualTo("leader node-2 (term 4), healthy, replicas node-1, node-2, node-3 (3 alive)");
        assertThat(LeaderCommand.text(JSON.readTree("{\"leader\":null,\"term\":null,\"healthy\":false}")))
                .isEqualTo("no leader, not healthy");
    }

    @Test
    void eachEventIsOneLineOfTimeTypeAndSummary() throws Exception {
        assertThat(EventsCommand.line(event("member", """
                {"seq":1,"at_ms":0,"type":"member","kind":"joined","node":"node-3","state":"alive","incarnation":0,
                 "address":"127.0.0.1:7966"}"""))).isEqualTo(
                "1970-01-01T00:00:00.000Z  member      node-3 joined (alive, incarnation 0, 127.0.0.1:7966)");
        assertThat(summary("leader", "{\"leader\":\"node-2\",\"term\":5,\"previous\":\"node-1\"}"))
                .isEqualTo("node-2 leads, term 5 (was node-1)");
        assertThat(summary("leader", "{\"leader\":null,\"term\":5,\"previous\":\"node-1\"}"))
                .isEqualTo("no leader, term 5 (was node-1)");
        assertThat(summary("strategy", "{\"strategy\":\"least-loaded\"}")).isEqualTo("strategy least-loaded");
        assertThat(summary("status", "{\"node\":\"node-2\",\"status\":\"draining\"}")).isEqualTo("node-2 is draining");
        assertThat(summary("assignment", "{\"id\":\"job-1\",\"kind\":\"moved\",\"node\":\"node-3\",\"phase\":\"running\","
                + "\"previous_node\":\"node-2\"}")).isEqualTo("job-1 moved on node-3 (from node-2), running");
        assertThat(summary("service", "{\"kind\":\"added\",\"service\":\"echo\",\"node\":\"node-1\"}"))
                .isEqualTo("echo added on node-1");
        assertThat(summary("reset", "{\"reason\":\"too old\"}")).startsWith("the node lost track (too old)");
        assertThat(summary("future", "{\"seq\":9,\"at_ms\":1,\"type\":\"future\",\"x\":1,\"y\":\"z\"}")).isEqualTo("x=1 y=z");
        JsonNode json = JSON.readTree(EventsCommand.json(event("status", "{\"seq\":7,\"at_ms\":5,\"type\":\"status\","
                + "\"node\":\"node-2\",\"status\":\"online\"}")));
        assertThat(json.path("id").asText()).isEqualTo("s1.1");
        assertThat(json.path("seq").asInt()).isEqualTo(7);
        assertThat(json.path("node").asText()).isEqualTo("node-2");
    }

    @Test
    void withoutFollowTheBufferedEventsArePrintedAndTheCommandEnds() throws IOException {
        List<String> queries = new CopyOnWriteArrayList<>();
        fake = serve(x -> { // a node asked for follow=false ends the stream after what it holds
            x.getResponseHeaders().add("Content-Type", "text/event-stream");
            x.sendResponseHeaders(200, 0);
            try (OutputStream out = x.getResponseBody()) {
                out.write((sse("s1.1", "member", "{\"seq\":1,\"at_ms\":1000,\"type\":\"member\",\"kind\":\"joined\","
                        + "\"node\":\"node-2\",\"state\":\"alive\",\"incarnation\":0,\"address\":\"127.0.0.1:7956\"}")
                        + ": keepalive\n\n"
                        + sse("s1.2", "leader", "{\"seq\":2,\"at_ms\":2000,\"type\":\"leader\",\"leader\":\"node-1\","
                        + "\"term\":1,\"previous\":null}")).getBytes(StandardCharsets.UTF_8));
            }
            queries.add(String.valueOf(x.getRequestURI().getQuery()));
        });
        String url = "http://127.0.0.1:" + fake.getAddress().getPort();
        AgentsCommandTest.Run r = run(List.of("events", "--url", url, "--dir", dir.toString()));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().split("\n")).containsExactly(
                "1970-01-01T00:00:01.000Z  member      node-2 joined (alive, incarnation 0, 127.0.0.1:7956)",
                "1970-01-01T00:00:02.000Z  leader      node-1 leads, term 1");
        AgentsCommandTest.Run json = run(List.of("events", "--json", "--url", url, "--dir", dir.toString()));
        assertThat(json.out().split("\n")).hasSize(2);
        assertThat(JSON.readTree(json.out().split("\n")[1]).path("id").asText()).isEqualTo("s1.2");
        assertThat(queries).containsOnly("follow=false");
    }

    @Test
    void followingResumesAfterTheLastIdWhenTheNodeDropsTheStream() throws Exception {
        List<String> lastIds = new CopyOnWriteArrayList<>();
        List<String> queries = new CopyOnWriteArrayList<>();
        AtomicInteger connections = new AtomicInteger();
        fake = serve(x -> {
            lastIds.add(String.valueOf(x.getRequestHeaders().getFirst("Last-Event-ID")));
            queries.add(String.valueOf(x.getRequestURI().getQuery()));
            int n = connections.incrementAndGet();
            x.getResponseHeaders().add("Content-Type", "text/event-stream");
            x.sendResponseHeaders(200, 0);
            try (OutputStream out = x.getResponseBody()) {
                // each connection sends two events and drops: the client must come back for the next ones
                for (int seq = 2 * n - 1; seq <= 2 * n; seq++) {
                    out.write(sse("s1." + seq, "status", "{\"seq\":" + seq + ",\"at_ms\":" + seq
                            + ",\"type\":\"status\",\"node\":\"node-" + seq + "\",\"status\":\"online\"}")
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
        });
        ClusterApi api = ClusterApi.at(URI.create("http://127.0.0.1:" + fake.getAddress().getPort()), ApiToken.NONE);
        EventStream stream = new EventStream(api, "status,leader", "s0.9");
        List<EventStream.Event> got = new CopyOnWriteArrayList<>();
        List<String> notices = new CopyOnWriteArrayList<>();
        Thread follower = Thread.ofVirtual().start(() -> stream.run(true, e -> {
            got.add(e);
            if (got.size() == 6) {
                Thread.currentThread().interrupt(); // what Ctrl-C does to the command
            }
        }, notices::add));
        follower.join(Duration.ofSeconds(30));
        assertThat(follower.isAlive()).as("the follower stops once interrupted").isFalse();
        assertThat(got).extracting(EventStream.Event::id).containsExactly("s1.1", "s1.2", "s1.3", "s1.4", "s1.5", "s1.6");
        assertThat(lastIds.subList(0, 3)).as("each reconnect resumes after the last id seen")
                .containsExactly("s0.9", "s1.2", "s1.4");
        assertThat(queries).first().isEqualTo("follow=true&types=status,leader");
        assertThat(notices).anyMatch(n -> n.contains("closed the stream; reconnecting"))
                .anyMatch(n -> n.contains("resuming after s1.2"));
    }

    private static String summary(String type, String data) throws IOException {
        return EventsCommand.summary(type, JSON.readTree(data));
    }

    private static EventStream.Event event(String type, String data) throws IOException {
        return new EventStream.Event("s1.1", type, JSON.readTree(data));
    }

    private static String sse(String id, String type, String data) {
        return "id: " + id + "\nevent: " + type + "\ndata: " + data + "\n\n";
    }

    interface Handler {
        void handle(HttpExchange x) throws IOException;
    }

    /** A fake node on a free loopback port; every request goes to {@code handler}, each on its own thread. */
    private static HttpServer serve(Handler handler) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        s.createContext("/", x -> {
            try (x) {
                handler.handle(x);
            }
        });
        s.start();
        return s;
    }

    private static void answer(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", type);
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
    }
}
