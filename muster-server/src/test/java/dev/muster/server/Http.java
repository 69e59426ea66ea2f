package dev.muster.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Test client of a NodeServer on loopback: one answer is the status and the JSON body. */
final class Http {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Http() {}

    record Answer(int status, JsonNode body) {}

    static Answer get(NodeServer s, String path) throws Exception {
        return send(s, path, HttpRequest.newBuilder().GET());
    }

    static Answer post(NodeServer s, String path, String body) throws Exception {
        return send(s, path, HttpRequest.newBuilder().POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    static Answer delete(NodeServer s, String path) throws Exception {
        return send(s, path, HttpRequest.newBuilder().DELETE());
    }

    /** POSTs {@code body} as it is, with {@code contentType} (null: none), and returns the answer as bytes. */
    static HttpResponse<byte[]> postBytes(NodeServer s, String path, byte[] body, String contentType) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(20));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** An answer of {@link #postBytes} read as JSON (an error's body). */
    static Answer json(HttpResponse<byte[]> r) throws Exception {
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    private static Answer send(NodeServer s, String path, HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r = CLIENT.send(b.uri(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    /** Asserts the status, the short error and a piece of the detail of an error answer. */
    static void assertError(Answer a, int status, String error, String detailContains) {
        assertThat(a.status()).as("status of %s", a.body()).isEqualTo(status);
        assertThat(a.body().path("error").asText()).as("error of %s", a.body()).isEqualTo(error);
        assertThat(a.body().path("detail").asText()).as("detail of %s", a.body()).contains(detailContains);
    }
}
