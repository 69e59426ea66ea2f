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
final class NodeClient {

    /** Per request: a local node answers in milliseconds; a hung one must not stall status. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final String host;

    NodeClient(String host) {
        this.host = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    /** The JSON body of a 200 answer to GET {@code path}. */
    Optional<JsonNode> get(int port, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                    .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(JSON.readTree(r.body())) : Optional.empty();
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
