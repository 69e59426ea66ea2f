package dev.muster.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** Reads a local node's HTTP API; an unreachable or unready node is an empty answer, not an error. Thread-safe. */
public final class NodeClient {

    /** Per request: a local node answers in milliseconds; a hung one must not stall status. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final String host;

    /** A node's answer: its status code and JSON body (null when the body is not JSON). */
    public record Answer(int status, JsonNode body) {}

    public NodeClient(String host) {
        this.host = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    /** The JSON body of a 200 answer to GET {@code path}. */
    public Optional<JsonNode> get(int port, String path) {
        return send(port, "GET", path, null, TIMEOUT).filter(a -> a.status() == 200 && a.body() != null)
                .map(Answer::body);
    }

    /**
     * Sends {@code method path} with a JSON {@code body} (null for none) and waits up to
     * {@code timeout}; empty when the node cannot be reached (not running, refused), a 504 with
     * {"error","detail"} when it took the request but did not answer in time.
     */
    public Optional<Answer> send(int port, String method, String path, String body, Duration timeout) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                    .timeout(timeout).header("Content-Type", "application/json").method(method, publisher).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = JSON.readTree(r.body());
            } catch (IOException notJson) {
                json = null;
            }
            return Optional.of(new Answer(r.statusCode(), json));
        } catch (java.net.http.HttpConnectTimeoutException e) {
            return Optional.empty();
        } catch (java.net.http.HttpTimeoutException e) {
            // it took the request: a write may still happen, so the caller must not send it elsewhere
            return Optional.of(new Answer(504, JSON.createObjectNode().put("error", "no answer").put("detail",
                    method + " " + path + " got no answer within " + dev.muster.Durations.format(timeout)
                            + "; a write may still take effect")));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    boolean ready(int port) {
        return get(port, "/health/ready").isPresent();
    }
}
