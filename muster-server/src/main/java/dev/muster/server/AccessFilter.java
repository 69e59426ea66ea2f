package dev.muster.server;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The bearer token check in front of every route.
 *
 * <ul>
 *   <li>Mutations (any method but GET, HEAD and OPTIONS) on {@code /api/*} need
 *       {@code Authorization: Bearer TOKEN}.
 *   <li>Reads of {@code /api/*} and {@code /metrics} need it only when reads are protected.
 *       The event stream also takes the token as {@code ?token=}, since a browser's EventSource
 *       cannot send headers.
 *   <li>Always open: the health checks (a load balancer has no token), the dashboard page and its
 *       assets (it asks for the token itself), and {@code /api/openapi.yaml}.
 * </ul>
 *
 * A missing or wrong token gets 401 with {@code WWW-Authenticate: Bearer} and {"error","detail"}
 * before any endpoint runs, so nothing changes. Without a token (an embedded server in a test or
 * an application that guards its own port) every request passes. Tokens are compared in constant
 * time.
 *
 * <p>Thread-safe: immutable.
 */
final class AccessFilter implements Filter {

    private final byte[] token;
    private final boolean protectReads;

    /** @param token the token, or null to let every request pass */
    AccessFilter(String token, boolean protectReads) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.protectReads = protectReads;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (token == null || !guarded(req.prologue().method(), req.path().path())) {
            chain.proceed();
            return;
        }
        Optional<String> given = req.headers().first(HeaderNames.AUTHORIZATION)
                .map(AccessFilter::bearer)
                .or(() -> req.path().path().equals("/api/cluster/events") ? req.query().first("token").asOptional() : Optional.empty());
        if (given.isPresent() && MessageDigest.isEqual(token, given.get().getBytes(StandardCharsets.UTF_8))) {
            chain.proceed();
            return;
        }
        res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"muster\"");
        NodeServer.fail(res, new ApiError(401, "unauthorized", given.isEmpty()
                ? "this request needs the cluster token: send 'Authorization: Bearer TOKEN' (muster start keeps it in "
                + "the cluster directory's 'token' file; muster serve takes http.token, http.token-file or MUSTER_TOKEN)"
                : "the token sent is not this cluster's token; nothing was changed"));
    }

    /** True when {@code method path} needs the token. */
    private boolean guarded(Method method, String path) {
        boolean read = method == Method.GET || method == Method.HEAD || method == Method.OPTIONS;
        if (path.equals("/api/openapi.yaml")) {
            return false;
        }
        if (path.startsWith("/api/")) {
            return !read || protectReads;
        }
        return path.equals("/metrics") && protectReads;
    }

    /** The token of an {@code Authorization: Bearer TOKEN} header; the header itself when it is of another scheme. */
    private static String bearer(String header) {
        String h = header.strip();
        return h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : h;
    }
}
