package dev.muster.server;

import io.helidon.webserver.http.HttpRouting;

/** {@code GET /api/openapi.yaml}. Being built (issue 8). */
final class OpenApiDoc {

    void routes(HttpRouting.Builder r) {
    }
}
