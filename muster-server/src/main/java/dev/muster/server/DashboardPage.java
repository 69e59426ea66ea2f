package dev.muster.server;

import io.helidon.webserver.http.HttpRouting;

/** The dashboard page at {@code /}. Being built (issue 8). */
final class DashboardPage {

    void routes(HttpRouting.Builder r) {
    }
}
