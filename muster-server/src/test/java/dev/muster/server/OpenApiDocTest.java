package dev.muster.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.agents.AgentRuntime;
import dev.muster.agents.AgentTypes;
import dev.muster.control.ControlConfig;
import dev.muster.control.ControlPlane;
import dev.muster.membership.MembershipConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/openapi.yaml} against the routes: the served document parses; every documented
 * operation answers on a real node (one member with its control plane and agent runtime, as
 * {@code muster serve} runs it) with a status the document lists for it, and a 404 there is the
 * API's JSON error, not the router's "no such route"; and every route the main sources register
 * is documented. Requests carry no body and the path parameters' examples, so mutations are
 * refused (400, 404, 409) or harmless. When the document and the routes disagree, fix the document.
 */
class OpenApiDocTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Set<String> METHODS = Set.of("get", "post", "put", "delete", "patch");
    /** A route in the main sources: {@code .get("/api/...")}, {@code .post("/...")}. */
    private static final Pattern ROUTE = Pattern.compile("\\.(get|post|put|delete|patch)\\(\\s*\"(/[^\"]*)\"");

    @TempDir
    static Path dir;

    private static Cluster node;
    private static ControlPlane control;
    private static AgentRuntime runtime;
    private static NodeServer server;
    /** The same node served again with a token that guards reads too: for the security declarations. */
    private static NodeServer guarded;
    private static final String TOKEN = "openapi-test-token-0123456789";
    private static JsonNode doc;

    @BeforeAll
    static void start() throws Exception {
        node = Cluster.start(ClusterConfig.builder().clusterName("openapi-test").nodeName("node-1").bindHost("127.0.0.1")
                .port(0).httpPort(-1).clusterSize(1).membership(MembershipConfig.local()).build());
        control = ControlPlane.start(node, ControlConfig.builder().port(0).replicas(1).dataDir(dir.resolve("data")).build());
        runtime = AgentRuntime.start(node, control, AgentTypes.builtIn(), dir.resolve("agents"));
        server = NodeServer.start(node, control, runtime, "127.0.0.1", 0);
        guarded = NodeServer.start(node, control, runtime, "127.0.0.1", 0,
                new NodeServer.Options(TOKEN, true, NodeServer.Options.OPEN.eventsBuffer()));
        Awaitility.await("node-1 leads its control plane").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> Http.get(server, "/api/cluster/leader").body().path("leader").asText(""), "node-1"::equals);
        Answer r = send(server, "GET", "/api/openapi.yaml");
        assertThat(r.statusCode()).as("GET /api/openapi.yaml").isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/yaml");
        doc = new YAMLMapper().readTree(r.body());
    }

    @AfterAll
    static void stop() {
        Closing.all(guarded, server, runtime, control, node);
    }

    @Test
    void theDocumentIsOpenApi3WithEveryReferenceResolved() {
        assertThat(doc.path("openapi").asText()).startsWith("3.");
        assertThat(doc.path("paths").size()).as("documented paths").isGreaterThan(20);
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(ref).as("a local reference").startsWith("#/");
            assertThat(doc.at(ref.substring(1)).isMissingNode()).as("%s resolves", ref).isFalse();
        }
        assertThat(doc.at("/components/schemas/Error/required").toString()).isEqualTo("[\"error\",\"detail\"]");
        assertThat(doc.at("/components/securitySchemes/bearerAuth/scheme").asText()).isEqualTo("bearer");
    }

    @Test
    void everyMutationNeedsTheTokenAndSaysSo() {
        for (String[] op : operations()) {
            JsonNode o = doc.path("paths").path(op[1]).path(op[0]);
            if (!op[0].equals("get") && op[1].startsWith("/api/")) {
                assertThat(o.path("security").toString()).as("%s %s security", op[0], op[1])
                        .isEqualTo("[{\"bearerAuth\":[]}]");
                assertThat(o.path("responses").has("401")).as("%s %s lists 401", op[0], op[1]).isTrue();
            }
        }
    }

    @Test
    void everyDocumentedOperationAnswersWithAStatusItLists() throws Exception {
        org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions(); // every mismatch at once
        for (String[] op : operations()) {
            String method = op[0].toUpperCase(java.util.Locale.ROOT);
            String path = concrete(op[1], op[0]);
            JsonNode responses = doc.path("paths").path(op[1]).path(op[0]).path("responses");
            Answer r = send(server, method, path);
            String body = new String(r.body(), StandardCharsets.UTF_8);
            soft.assertThat(responses.has(Integer.toString(r.statusCode())))
                    .as("%s %s answered %d (%s); the document lists %s", method, path, r.statusCode(), abbreviate(body),
                            fieldNames(responses)).isTrue();
            if (r.statusCode() == 404) {
                soft.assertThat(error(body)).as("%s %s: a 404 of the API (JSON error), not of the router: %s", method, path,
                        abbreviate(body)).isTrue();
            }
        }
        soft.assertAll();
    }

    @Test
    void withAGuardedNodeEveryOperationListing401NeedsTheTokenAndTheOpenOnesDoNot() throws Exception {
        org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
        for (String[] op : operations()) {
            String method = op[0].toUpperCase(java.util.Locale.ROOT);
            JsonNode o = doc.path("paths").path(op[1]).path(op[0]);
            int status = send(guarded, method, concrete(op[1], op[0])).statusCode();
            if (o.path("security").isArray() && o.path("security").isEmpty()) {
                soft.assertThat(status).as("%s %s is open (security: []) on a guarded node", method, op[1]).isNotEqualTo(401);
            } else {
                soft.assertThat(o.path("responses").has("401")).as("%s %s lists 401", method, op[1]).isTrue();
                soft.assertThat(status).as("%s %s without the token on a guarded node", method, op[1]).isEqualTo(401);
            }
        }
        soft.assertAll();
    }

    @Test
    void everyRouteOfTheMainSourcesIsDocumented() throws IOException {
        Set<String> routed = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = ROUTE.matcher(Files.readString(f));
                while (m.find()) {
                    routed.add(m.group(1) + " " + m.group(2));
                }
            }
        }
        assertThat(routed).as("routes found in src/main/java").contains("get /api/cluster/nodes", "post /api/cluster/leader");
        Set<String> documented = new TreeSet<>();
        operations().forEach(op -> documented.add(op[0] + " " + op[1]));
        for (String route : routed) {
            // a wildcard route (/dashboard/*) is documented by a templated path under the same prefix
            boolean ok = route.endsWith("/*") ? documented.stream().anyMatch(d -> d.startsWith(
                    route.substring(0, route.length() - 1) + "{")) : documented.contains(route);
            assertThat(ok).as("route '%s' is documented; documented: %s", route, documented).isTrue();
        }
    }

    /** Every documented [method, path]. */
    private static List<String[]> operations() {
        List<String[]> out = new ArrayList<>();
        doc.path("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> {
            if (METHODS.contains(m)) {
                out.add(new String[] {m, p.getKey()});
            }
        }));
        return out;
    }

    /** The path with each {param} replaced by its parameter's example. */
    private static String concrete(String template, String method) {
        List<JsonNode> params = new ArrayList<>();
        doc.path("paths").path(template).path("parameters").forEach(params::add);
        doc.path("paths").path(template).path(method).path("parameters").forEach(params::add);
        String path = template;
        for (JsonNode p : params) {
            JsonNode param = p.has("$ref") ? doc.at(p.path("$ref").asText().substring(1)) : p;
            if (param.path("in").asText().equals("path")) {
                String example = param.has("example") ? param.path("example").asText()
                        : param.path("schema").path("example").asText();
                assertThat(example).as("path parameter %s of %s has an example", param.path("name"), template).isNotEmpty();
                path = path.replace("{" + param.path("name").asText() + "}", example);
            }
        }
        assertThat(path).as("every {param} of %s is described", template).doesNotContain("{");
        return path;
    }

    /** A status, the headers and the body (empty for an event stream, which does not end). */
    private record Answer(int statusCode, java.net.http.HttpHeaders headers, byte[] body) {}

    /** Sends {@code method path} without a body; an event stream's answer ends after its headers. */
    private static Answer send(NodeServer to, String method, String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.port() + path))
                .timeout(Duration.ofSeconds(20)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<InputStream> r = HTTP.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            boolean stream = r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream");
            return new Answer(r.statusCode(), r.headers(), stream ? new byte[0] : in.readNBytes(256 * 1024));
        }
    }

    private static boolean error(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            return n != null && n.path("error").isTextual() && n.path("detail").isTextual();
        } catch (IOException notJson) {
            return false;
        }
    }

    private static void collectRefs(JsonNode n, List<String> out) {
        if (n.isObject()) {
            n.fields().forEachRemaining(f -> {
                if (f.getKey().equals("$ref")) {
                    out.add(f.getValue().asText());
                } else {
                    collectRefs(f.getValue(), out);
                }
            });
        } else if (n.isArray()) {
            n.forEach(e -> collectRefs(e, out));
        }
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
