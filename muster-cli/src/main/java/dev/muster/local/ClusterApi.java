package dev.muster.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The REST API of a cluster, reached through its first node that answers: the running nodes of a
 * local cluster in index order ({@link #of(LocalCluster, ApiToken)}), or one node at a URL
 * ({@link #at(URI, ApiToken)}). It is what the CLI's client commands ({@code nodes}, {@code leader},
 * {@code events}, {@code agents}, {@code balance}, {@code stats}, {@code services}, {@code call},
 * {@code content}, {@code inject}) call. Any node serves the whole API; writes go through its
 * control plane to the leader. Every request carries the token, when there is one; a 401 is an
 * {@link Unauthorized} that says where the token came from and how to pass one.
 *
 * <p>Thread-safe.
 */
public final class ClusterApi {

    /**
     * One node's HTTP API.
     *
     * @param name what errors call it: its node name, or the URL's host and port
     * @param base {@code http://host:port}
     */
    public record Endpoint(String name, URI base) {}

    /** A 401: the token was missing or wrong. The CLI prints the message and exits 1. */
    public static final class Unauthorized extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Unauthorized(String message) {
            super(message);
        }
    }

    /**
     * Per request: a write waits for the leader (the control plane gives up after its request
     * timeout, 3 s by default), so this leaves room for that and a slow machine.
     */
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    /**
     * A node's answer.
     *
     * @param status the HTTP status
     * @param body the JSON body
     * @param node the node that answered
     */
    public record Answer(int status, JsonNode body, String node) {

        /**
         * The body of a 2xx answer.
         *
         * @throws IllegalArgumentException for a 400 (the request itself was wrong: the CLI's exit code 2)
         * @throws IllegalStateException for any other error (refused, unknown, unavailable: exit code 1),
         *     with the node's error and detail
         */
        public JsonNode orThrow() {
            if (status >= 200 && status < 300) {
                return body;
            }
            String error = body == null ? "" : body.path("error").asText("");
            String detail = body == null ? "" : body.path("detail").asText("");
            String text = (error.isEmpty() ? "HTTP " + status : error) + (detail.isEmpty() ? "" : ": " + detail)
                    + " (" + node + " answered " + status + ")";
            if (status == 400 || status == 413) {
                throw new IllegalArgumentException(text);
            }
            throw new IllegalStateException(text);
        }
    }

    private final Supplier<List<Endpoint>> endpoints;
    private final NodeClient client;
    private final ApiToken token;
    private final String unreachable;

    /** The API of {@code cluster}'s running nodes, without a token. */
    ClusterApi(LocalCluster cluster, NodeClient client) {
        this(() -> running(cluster, client), client, ApiToken.NONE, unreachable(cluster));
    }

    private ClusterApi(Supplier<List<Endpoint>> endpoints, NodeClient client, ApiToken token, String unreachable) {
        this.endpoints = endpoints;
        this.client = client;
        this.token = token;
        this.unreachable = unreachable;
    }

    /** The API of {@code cluster}'s running nodes, the first that answers, sending {@code token}. */
    public static ClusterApi of(LocalCluster cluster, ApiToken token) {
        NodeClient client = new NodeClient(cluster.bindHost(), token.value());
        return new ClusterApi(() -> running(cluster, client), client, token, unreachable(cluster));
    }

    private static String unreachable(LocalCluster cluster) {
        return "no node of the cluster in " + cluster.directory() + " answers on its HTTP port; is it running? see"
                + " 'muster status', or start it with 'muster start'";
    }

    /**
     * The API of the one node at {@code url} ({@code http://host:port}), sending {@code token}.
     *
     * @throws IllegalArgumentException when the URL is not {@code http(s)://HOST:PORT}
     */
    public static ClusterApi at(URI url, ApiToken token) {
        URI base = checkedUrl(url);
        NodeClient client = new NodeClient("127.0.0.1", token.value()); // its host is not used: every request names base
        Endpoint one = new Endpoint(base.getHost() + ":" + base.getPort(), base);
        return new ClusterApi(() -> List.of(one), client, token, base + " does not answer; is the node running,"
                + " and is this its HTTP port (the member list shows each node's http_port)?");
    }

    /** {@code url} without a trailing slash, or why it is no node's base URL. */
    static URI checkedUrl(URI url) {
        String scheme = url.getScheme();
        boolean ok = url.isAbsolute() && ("http".equals(scheme) || "https".equals(scheme)) && url.getHost() != null
                && url.getPort() > 0 && (url.getRawPath() == null || url.getRawPath().isEmpty() || url.getRawPath().equals("/"))
                && url.getRawQuery() == null && url.getRawFragment() == null && url.getRawUserInfo() == null;
        if (!ok) {
            throw new IllegalArgumentException("--url: '" + url + "' must be http://HOST:PORT, a node's HTTP port"
                    + " (for example http://127.0.0.1:8151)");
        }
        return URI.create(scheme + "://" + url.getRawAuthority());
    }

    private static List<Endpoint> running(LocalCluster cluster, NodeClient client) {
        List<Endpoint> up = new ArrayList<>();
        for (int i = 1; i <= cluster.size(); i++) {
            if (cluster.isRunning(i)) {
                up.add(new Endpoint(cluster.name(i), client.base(cluster.httpPort(i))));
            }
        }
        return up;
    }

    /** The nodes this API tries, in order: the running nodes of a local cluster, or the one at the URL. */
    public List<Endpoint> endpoints() {
        return endpoints.get();
    }

    /**
     * Every alive member that publishes an HTTP port, as {@code GET /api/cluster/nodes} lists them
     * (asked of the first node that answers), in the list's order.
     */
    public List<Endpoint> members() {
        List<Endpoint> out = new ArrayList<>();
        for (JsonNode m : get("/api/cluster/nodes").orThrow()) {
            if (m.path("state").asText().equals("alive") && m.path("http_port").isInt()) {
                String host = m.path("address").asText();
                out.add(new Endpoint(m.path("name").asText(), URI.create("http://" + (host.indexOf(':') >= 0
                        ? "[" + host + "]" : host) + ":" + m.path("http_port").asInt())));
            }
        }
        return out;
    }

    /** The token every request carries, and where it came from. */
    public ApiToken token() {
        return token;
    }

    /** The client the requests go through (it sends the token). */
    public NodeClient client() {
        return client;
    }

    public Answer get(String path) {
        return send("GET", path, null);
    }

    public Answer post(String path, String jsonBody) {
        return send("POST", path, jsonBody);
    }

    public Answer delete(String path) {
        return send("DELETE", path, null);
    }

    /**
     * A call's answer (POST /api/cluster/services/{name}/call): the reply payload as bytes.
     *
     * @param status the HTTP status
     * @param headers the HTTP headers (names as the node sent them)
     * @param body the reply payload, or the JSON error
     * @param node the node that answered
     */
    public record Raw(int status, Map<String, List<String>> headers, byte[] body, String node) {

        /**
         * The body of a 2xx answer.
         *
         * @throws IllegalArgumentException for a 400 or 413, IllegalStateException for any other error,
         *     as {@link Answer#orThrow()}
         */
        public byte[] orThrow() {
            if (status < 200 || status >= 300) {
                new Answer(status, NodeClient.json(body), node).orThrow();
            }
            return body;
        }
    }

    /**
     * Sends {@code payload} to the first running node that answers, waiting up to {@code timeout}
     * (more than the call's own deadline, so the node's answer comes first). A node that took the
     * request answers for it: a call is never sent twice.
     *
     * @throws IllegalStateException when no node of the cluster answers
     */
    public Raw exchange(String method, String path, byte[] payload, String contentType, Duration timeout) {
        for (Endpoint e : endpoints()) {
            Optional<Raw> r = ask(e, method, path, payload, contentType, timeout);
            if (r.isPresent()) {
                return r.get();
            }
        }
        throw new IllegalStateException(unreachable);
    }

    /**
     * Sends {@code payload} to the one node {@code at}.
     *
     * @throws IllegalStateException when it does not answer
     */
    public Raw exchangeAt(Endpoint at, String method, String path, byte[] payload, String contentType, Duration timeout) {
        return ask(at, method, path, payload, contentType, timeout).orElseThrow(() -> new IllegalStateException(
                at.name() + " did not answer at " + at.base() + "; is it running? ('muster status' shows a local cluster)"));
    }

    /** A GET of {@code path} on the one node {@code at}: its answer, or empty when it does not answer. */
    public Optional<Answer> getAt(Endpoint at, String path) {
        return ask(at, "GET", path, null, null, NodeClient.TIMEOUT)
                .map(r -> new Answer(r.status(), NodeClient.json(r.body()), at.name()));
    }

    /**
     * Sends the request to the first running node that answers.
     *
     * @throws IllegalStateException when no node of the cluster answers
     */
    private Answer send(String method, String path, String body) {
        Raw r = exchange(method, path, body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "application/json", TIMEOUT);
        return new Answer(r.status(), NodeClient.json(r.body()), r.node());
    }

    /** One node's answer, empty when it cannot be reached; a 401 is an {@link Unauthorized}. */
    private Optional<Raw> ask(Endpoint e, String method, String path, byte[] payload, String contentType,
                              Duration timeout) {
        Optional<Raw> r = client.exchange(e.base(), method, path, payload, contentType, timeout)
                .map(a -> new Raw(a.status(), a.headers(), a.body(), e.name()));
        r.filter(a -> a.status() == 401).ifPresent(a -> {
            throw unauthorized(e.name(), NodeClient.json(a.body()));
        });
        return r;
    }

    /** The error for a 401 from {@code node}: its detail, the token's source, how to pass one. */
    public Unauthorized unauthorized(String node, JsonNode body) {
        String detail = body == null ? "" : body.path("detail").asText("");
        return new Unauthorized("unauthorized: " + node + " refused the request (401" + (detail.isEmpty() ? "" : ": "
                + detail) + "); " + token.describe() + ". Pass the cluster's token with --token TOKEN or the"
                + " MUSTER_TOKEN variable; 'muster start' writes a local cluster's token to <dir>/token");
    }
}
