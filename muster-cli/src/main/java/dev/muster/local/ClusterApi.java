package dev.muster.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The REST API of a local cluster, reached through its first running node that answers (in index
 * order): what the CLI's client commands ({@code agents}, {@code balance}, {@code stats},
 * {@code services}, {@code call}) call.
 * Any node serves the whole API; writes go through its control plane to the leader.
 *
 * <p>Thread-safe.
 */
public final class ClusterApi {

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

    private final LocalCluster cluster;
    private final NodeClient client;

    ClusterApi(LocalCluster cluster, NodeClient client) {
        this.cluster = cluster;
        this.client = client;
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
        return first((port, name) -> client.exchange(port, method, path, payload, contentType, timeout)
                .map(r -> new Raw(r.status(), r.headers(), r.body(), name)));
    }

    /**
     * Sends the request to the first running node that answers.
     *
     * @throws IllegalStateException when no node of the cluster answers
     */
    private Answer send(String method, String path, String body) {
        return first((port, name) -> client.send(port, method, path, body, TIMEOUT)
                .map(a -> new Answer(a.status(), a.body(), name)));
    }

    /** What the first running node that answers {@code ask} (given its HTTP port and name) says. */
    private <T> T first(java.util.function.BiFunction<Integer, String, Optional<T>> ask) {
        for (int i = 1; i <= cluster.size(); i++) {
            if (!cluster.isRunning(i)) {
                continue;
            }
            Optional<T> a = ask.apply(cluster.httpPort(i), cluster.name(i));
            if (a.isPresent()) {
                return a.get();
            }
        }
        throw new IllegalStateException("no node of the cluster in " + cluster.directory()
                + " answers on its HTTP port; is it running? see 'muster status', or start it with 'muster start'");
    }
}
