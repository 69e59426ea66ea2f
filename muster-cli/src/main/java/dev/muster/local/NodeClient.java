package dev.muster.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a node's HTTP API; an unreachable or unready node is an empty answer, not an error. With
 * a token, every request carries {@code Authorization: Bearer TOKEN}. Thread-safe.
 */
public final class NodeClient {

    /** Per request: a local node answers in milliseconds; a hung one must not stall status. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final String host;
    private final String token; // null: no Authorization header

    /** A node's answer: its status code and JSON body (null when the body is not JSON). */
    public record Answer(int status, JsonNode body) {}

    /** A client of the nodes on {@code host}, without a token. */
    public NodeClient(String host) {
        this(host, null);
    }

    /**
     * A client of the nodes on {@code host} that sends {@code token} (null: none) as a bearer token
     * ({@link ApiToken} checks that it can go in a header).
     */
    public NodeClient(String host, String token) {
        this.host = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        this.token = token;
    }

    /** The base URI of the node on this client's host at {@code port}: {@code http://host:port}. */
    public URI base(int port) {
        return URI.create("http://" + host + ":" + port);
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
        return exchange(port, method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                "application/json", timeout).map(r -> new Answer(r.status(), json(r.body())));
    }

    /**
     * A node's answer as it came: its status code, headers and body bytes.
     *
     * @param headers the HTTP headers (names as the node sent them)
     */
    public record Raw(int status, Map<String, List<String>> headers, byte[] body) {}

    /**
     * As {@link #send}, with a body of any bytes and content type (null: no Content-Type header),
     * and the answer as bytes: for calls, whose payloads are not JSON.
     */
    public Optional<Raw> exchange(int port, String method, String path, byte[] body, String contentType,
                                  Duration timeout) {
        return exchange(base(port), method, path, body, contentType, timeout);
    }

    /** As {@link #exchange(int, String, String, byte[], String, Duration)}, with the node at {@code base}. */
    public Optional<Raw> exchange(URI base, String method, String path, byte[] body, String contentType,
                                  Duration timeout) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body);
        HttpRequest.Builder request = request(base, path).timeout(timeout).method(method, publisher);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        try {
            HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return Optional.of(new Raw(r.statusCode(), r.headers().map(), r.body()));
        } catch (java.net.http.HttpConnectTimeoutException e) {
            return Optional.empty();
        } catch (java.net.http.HttpTimeoutException e) {
            // it took the request: a write may still happen, so the caller must not send it elsewhere
            byte[] error = JSON.createObjectNode().put("error", "no answer").put("detail", method + " " + path
                    + " got no answer within " + dev.muster.Durations.format(timeout) + "; a write may still take effect")
                    .toString().getBytes(StandardCharsets.UTF_8);
            return Optional.of(new Raw(504, Map.of(), error));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** A request to {@code base + path}, with the token when there is one. */
    HttpRequest.Builder request(URI base, String path) {
        String b = base.toString();
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b)
                + path));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return r;
    }

    /** The JDK client this one sends with (keep-alive connections, shared by every request). */
    HttpClient http() {
        return http;
    }

    /** The body as JSON; null when it is not JSON. */
    public static JsonNode json(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException notJson) {
            return null;
        }
    }

    boolean ready(int port) {
        return get(port, "/health/ready").isPresent();
    }
}
