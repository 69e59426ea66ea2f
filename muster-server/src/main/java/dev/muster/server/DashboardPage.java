package dev.muster.server;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dashboard: one page at {@code /} and its few static files at {@code /dashboard/<asset>},
 * plain HTML, CSS and JavaScript from the classpath ({@value #RESOURCES}). No framework, no CDN,
 * no build step: the page works offline, and everything it shows it reads from this node's own
 * API ({@code /api/cluster/*} and the event stream), so every node serves the same dashboard.
 *
 * <pre>
 * GET /                      index.html
 * GET /dashboard/{asset}     app.js, view.js, style.css, favicon.svg; 404 {"error","detail"} for any other name
 * </pre>
 *
 * <p>The files are read once, when the server is built, and served from memory. Only the names
 * in {@link #ASSETS} exist, so a request can never reach another resource or a file
 * ({@code ../}, encoded slashes and the like are simply unknown names). Each answer carries
 * {@code Cache-Control: no-cache} and a strong {@code ETag} (a digest of the content): the
 * browser revalidates on every load and gets 304 while the build is the same, and the new files
 * as soon as a node runs a new build. A Content-Security-Policy allows only this origin, so
 * the page cannot load anything from elsewhere by mistake.
 *
 * <p>Thread-safe: immutable after construction; the handlers only read.
 */
final class DashboardPage {

    /** Where the files live on the classpath. */
    static final String RESOURCES = "dev/muster/server/dashboard/";

    /** The page itself, served at {@code /} (and not under {@code /dashboard/}). */
    private static final String INDEX = "index.html";

    /** The files served, by name, with their content type. Only these exist. */
    static final Map<String, String> ASSETS = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "view.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    /** Same origin only: the page's own files and API, SVG drawn inline, no inline script. */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    private static final HeaderName CONTENT_SECURITY_POLICY = HeaderNames.create("Content-Security-Policy");

    /** The largest asset read; the real ones are a few tens of kilobytes. */
    private static final int MAX_ASSET_BYTES = 1 << 20;

    private record Asset(byte[] bytes, String contentType, String etag) {}

    private final Map<String, Asset> assets;

    DashboardPage() {
        this(DashboardPage.class.getClassLoader());
    }

    /** Reads every asset from {@code loader}; fails at once when one is missing (a broken build). */
    DashboardPage(ClassLoader loader) {
        Map<String, Asset> read = new LinkedHashMap<>();
        ASSETS.forEach((name, type) -> {
            byte[] bytes = read(loader, RESOURCES + name);
            read.put(name, new Asset(bytes, type, etag(bytes)));
        });
        this.assets = Map.copyOf(read);
    }

    void routes(HttpRouting.Builder r) {
        r.get("/", (req, res) -> serve(req, res, INDEX))
                .get("/dashboard/{asset}", (req, res) -> {
                    String name = req.path().pathParameters().get("asset");
                    serve(req, res, name.equals(INDEX) ? req.path().path() : name); // the page is at / only
                })
                .get("/dashboard", (req, res) -> serve(req, res, ""))
                .get("/dashboard/*", (req, res) -> serve(req, res, req.path().path()));
    }

    private void serve(ServerRequest req, ServerResponse res, String name) {
        Asset a = assets.get(name);
        if (a == null) {
            NodeServer.fail(res, new ApiError(404, "not found", "no dashboard asset '" + RequestBody.abbreviate(name)
                    + "'; the dashboard is at / and its files are /dashboard/" + String.join(", ", ASSETS.keySet()
                    .stream().filter(n -> !n.equals(INDEX)).sorted().toList())));
            return;
        }
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(HeaderNames.ETAG, a.etag());
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        if (req.headers().first(HeaderNames.IF_NONE_MATCH).filter(a.etag()::equals).isPresent()) {
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, a.contentType());
        if (name.equals(INDEX)) {
            res.header(CONTENT_SECURITY_POLICY, CSP);
        }
        res.send(a.bytes());
    }

    private static byte[] read(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard's " + resource + " is not on the classpath;"
                        + " is muster-server's jar complete?");
            }
            byte[] bytes = in.readNBytes(MAX_ASSET_BYTES + 1);
            if (bytes.length > MAX_ASSET_BYTES) {
                throw new IllegalStateException("the dashboard's " + resource + " is over " + MAX_ASSET_BYTES
                        + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboard's " + resource, e);
        }
    }

    /** A strong ETag: the first 16 bytes of the content's SHA-256, quoted. */
    private static String etag(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return '"' + HexFormat.of().formatHex(d, 0, 16) + '"';
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
