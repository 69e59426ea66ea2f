package dev.muster.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's files as HTTP serves them, without a browser: content types, revalidation
 * (ETag, 304), a JSON 404 for every other name under /dashboard/, however it is spelled to
 * climb out, and nothing in the files that points to another origin (the page must work offline).
 */
class DashboardPageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static WebServer server;

    @BeforeAll
    static void start() {
        DashboardPage page = new DashboardPage();
        server = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false).routing(page::routes).build()
                .start();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET()
                .timeout(Duration.ofSeconds(10));
        headers.forEach(b::header);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return get(path, Map.of());
    }

    @Test
    void thePageAndItsFilesAreServedWithTheirTypes() throws Exception {
        Map<String, String> types = Map.of("/", "text/html; charset=utf-8",
                "/dashboard/app.js", "text/javascript; charset=utf-8",
                "/dashboard/view.js", "text/javascript; charset=utf-8",
                "/dashboard/style.css", "text/css; charset=utf-8",
                "/dashboard/favicon.svg", "image/svg+xml");
        for (var e : types.entrySet()) {
            HttpResponse<String> r = get(e.getKey());
            assertThat(r.statusCode()).as(e.getKey()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).as(e.getKey()).hasValue(e.getValue());
            assertThat(r.headers().firstValue("Cache-Control")).as(e.getKey()).hasValue("no-cache");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).as(e.getKey()).hasValue("nosniff");
            assertThat(r.body()).as(e.getKey()).isNotBlank();
        }
        HttpResponse<String> index = get("/");
        assertThat(index.body()).contains("<script type=\"module\" src=\"/dashboard/app.js\">");
        assertThat(index.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                assertThat(csp).contains("default-src 'self'", "script-src 'self'", "connect-src 'self'"));
    }

    @Test
    void anUnchangedFileIsRevalidatedWith304() throws Exception {
        HttpResponse<String> first = get("/dashboard/app.js");
        String etag = first.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).matches("\"[0-9a-f]{32}\"");
        HttpResponse<String> again = get("/dashboard/app.js", Map.of("If-None-Match", etag));
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        HttpResponse<String> changed = get("/dashboard/app.js", Map.of("If-None-Match", "\"0123\""));
        assertThat(changed.statusCode()).as("another build's tag gets the file").isEqualTo(200);
        assertThat(changed.body()).isEqualTo(first.body());
        assertThat(get("/dashboard/style.css").headers().firstValue("ETag")).isNotEqualTo(first.headers()
                .firstValue("ETag"));
    }

    @Test
    void anyOtherNameIsA404WithAReason() throws Exception {
        for (String path : List.of("/dashboard/nope.js", "/dashboard/", "/dashboard", "/dashboard/a/b.js",
                "/dashboard/%2e%2e%2fDashboardPage.class", "/dashboard/..%2F..%2Fpom.xml", "/dashboard/APP.JS",
                "/dashboard/index.html%00.js", "/dashboard/index.html")) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.headers().firstValue("Content-Type")).as(path).hasValue("application/json");
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("error").asText()).as(path).isEqualTo("not found");
            assertThat(body.path("detail").asText()).as(path).contains("no dashboard asset")
                    .endsWith("its files are /dashboard/app.js, favicon.svg, style.css, view.js");
        }
        for (String raw : List.of("/dashboard/../dashboard/../../pom.xml", "/dashboard/./../DashboardPage.class")) {
            assertThat(rawStatus(raw)).as("%s (sent as it is)", raw).isIn(400, 404);
        }
    }

    /** The status line's code for a request line sent byte for byte, unnormalised. */
    private static int rawStatus(String path) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII); // "HTTP/1.1 404"
            return Integer.parseInt(status.substring(9, 12));
        }
    }

    /** No URL of another origin in any file (the SVG namespace is a name, not a load). */
    @Test
    void theFilesLoadNothingFromElsewhere() throws Exception {
        Pattern url = Pattern.compile("(?i)(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}[^\\s\"'`)]*");
        for (String name : DashboardPage.ASSETS.keySet()) {
            String text = get(name.equals("index.html") ? "/" : "/dashboard/" + name).body();
            Matcher m = url.matcher(text);
            while (m.find()) {
                assertThat(m.group()).as("a URL in %s", name).isEqualTo("http://www.w3.org/2000/svg");
            }
            assertThat(text).as(name).doesNotContain("@import", "<iframe");
        }
    }

    @Test
    void aBuildWithoutTheFilesFailsAtOnceNamingTheMissingOne() {
        ClassLoader empty = new ClassLoader(null) {
            @Override
            public URL getResource(String name) {
                return null;
            }
        };
        assertThatThrownBy(() -> new DashboardPage(empty)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dev/muster/server/dashboard/").hasMessageContaining("is not on the classpath");
    }
}
