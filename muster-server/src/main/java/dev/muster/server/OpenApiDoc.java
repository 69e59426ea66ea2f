package dev.muster.server;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /api/openapi.yaml}: the OpenAPI 3.0 document of this API, {@code openapi.yaml} beside
 * this class, served as {@code application/yaml}. The document is read once, when the server is
 * built, and the same bytes answer every request. Always open (no token): it describes the API,
 * it holds none of the cluster's data. {@code OpenApiDocTest} checks it against the routes.
 *
 * <p>Thread-safe: immutable once built.
 */
final class OpenApiDoc {

    /** The document's resource, beside this class. */
    static final String RESOURCE = "openapi.yaml";
    /** Largest document read: it is some tens of kilobytes; more is a wrong resource. */
    private static final int MAX_BYTES = 1 << 20;

    private final byte[] yaml;

    OpenApiDoc() {
        this.yaml = load();
    }

    void routes(HttpRouting.Builder r) {
        r.get("/api/openapi.yaml", (req, res) -> {
            res.status(200);
            res.header(HeaderNames.CONTENT_TYPE, "application/yaml");
            res.header(HeaderNames.CACHE_CONTROL, "public, max-age=300");
            res.send(yaml);
        });
    }

    /** The document's bytes. */
    byte[] yaml() {
        return yaml.clone();
    }

    private static byte[] load() {
        try (InputStream in = OpenApiDoc.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI document " + RESOURCE + " is missing from the class path"
                        + " beside " + OpenApiDoc.class.getName() + "; the build must copy src/main/resources");
            }
            byte[] b = in.readNBytes(MAX_BYTES + 1);
            if (b.length > MAX_BYTES) {
                throw new IllegalStateException("the OpenAPI document " + RESOURCE + " exceeds " + MAX_BYTES + " bytes");
            }
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the OpenAPI document " + RESOURCE, e);
        }
    }
}
