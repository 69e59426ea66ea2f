package dev.muster.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Cluster;
import dev.muster.content.ContentInfo;
import dev.muster.content.ContentStats;
import dev.muster.content.Digest;
import dev.muster.content.Injected;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The content store of this node, and injects from it.
 *
 * <pre>
 * GET  /api/cluster/content                    200 {"stats": {...}, "entries": [info, ...]} (this node's store)
 * POST /api/cluster/content?energy=10&amp;fanout=3  the body is the content; 201 info + "duplicate" (true when this
 *                                              node held it already: nothing new was spread)
 * GET  /api/cluster/content/{digest}           200 the content (application/octet-stream); ?fetch=true asks the
 *                                              cluster when this node does not hold it
 * GET  /api/cluster/content/{digest}/info      200 info
 * </pre>
 *
 * An info is {@code {"digest","size","origin","injected_at_ms","first_seen_at_ms","hops","pinned",
 * "duplicates","pushes_sent"}} (times in epoch milliseconds, the origin's and this node's clocks).
 *
 * <p>Errors as {@code {"error","detail"}}: 400 for a malformed digest, energy or fanout, or an
 * unknown parameter; 404 for content this node does not hold (or, with fetch, no live node does);
 * 413 for a body over the node's {@code content.max-content-bytes}; 507 when the store is full of
 * pinned entries. A refused inject stores and sends nothing.
 */
final class ContentApi {

    /** Longest a {@code ?fetch=true} read waits for the cluster. */
    static final long FETCH_SECONDS = 10;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Cluster cluster;

    ContentApi(Cluster cluster) {
        this.cluster = cluster;
    }

    void routes(HttpRouting.Builder r) {
        r.get("/api/cluster/content", (req, res) -> NodeServer.answer(res, () -> {
                    only(req, Set.of());
                    ObjectNode n = JSON.createObjectNode();
                    stats(n.putObject("stats"), cluster.content().stats());
                    var list = n.putArray("entries");
                    cluster.content().list().forEach(i -> info(list.addObject(), i));
                    return n;
                }))
                .post("/api/cluster/content", (req, res) -> NodeServer.answer(res, 201, () -> inject(req)))
                .get("/api/cluster/content/{digest}/info", (req, res) -> NodeServer.answer(res, () -> {
                    only(req, Set.of());
                    Digest d = digest(req);
                    return info(JSON.createObjectNode(), cluster.content().info(d).orElseThrow(() -> notHeld(d)));
                }))
                .get("/api/cluster/content/{digest}", this::content);
    }

    private ObjectNode inject(ServerRequest req) {
        only(req, Set.of("energy", "fanout"));
        int energy = whole(req, "energy", 10, 0, 64);
        int fanout = whole(req, "fanout", 3, 1, 32);
        byte[] body = RequestBody.bytes(req, cluster.content().maxContentBytes(), "the node's content.max-content-bytes");
        Injected i;
        try {
            i = cluster.content().inject(body, energy, fanout);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        } catch (IllegalStateException e) {
            throw new ApiError(507, "store full", e.getMessage());
        }
        ObjectNode n = info(JSON.createObjectNode(), i.info());
        n.put("duplicate", i.duplicate());
        n.put("energy", energy);
        n.put("fanout", fanout);
        return n;
    }

    private void content(ServerRequest req, ServerResponse res) {
        byte[] bytes;
        try {
            only(req, Set.of("fetch"));
            Digest d = digest(req);
            String fetch = req.query().first("fetch").orElse("false");
            if (!fetch.equals("true") && !fetch.equals("false")) {
                throw ApiError.badRequest("query parameter 'fetch': '" + RequestBody.abbreviate(fetch) + "' must be true or false");
            }
            Optional<byte[]> here = cluster.content().get(d);
            if (here.isPresent()) {
                bytes = here.get();
            } else if (fetch.equals("true")) {
                bytes = fetched(d);
            } else {
                throw notHeld(d);
            }
        } catch (ApiError e) {
            NodeServer.fail(res, e);
            return;
        }
        res.status(200);
        res.header(HeaderNames.CONTENT_TYPE, "application/octet-stream");
        res.send(bytes);
    }

    private byte[] fetched(Digest d) {
        try {
            return cluster.content().fetch(d).get(FETCH_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "interrupted", "interrupted while fetching " + d);
        } catch (ExecutionException e) {
            throw new ApiError(404, "unknown content", e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new ApiError(504, "timeout", "no node sent " + d + " within " + FETCH_SECONDS + " s");
        }
    }

    private static ApiError notHeld(Digest d) {
        return new ApiError(404, "unknown content", "this node does not hold " + d
                + "; add ?fetch=true to ask the cluster, or GET /api/cluster/content to list what it holds");
    }

    private static Digest digest(ServerRequest req) {
        try {
            return Digest.parse(req.path().pathParameters().get("digest"));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(RequestBody.abbreviate(e.getMessage()));
        }
    }

    private static void only(ServerRequest req, Set<String> allowed) {
        for (String p : req.query().names()) {
            if (!allowed.contains(p)) {
                throw ApiError.badRequest("unknown query parameter '" + RequestBody.abbreviate(p) + "'"
                        + (allowed.isEmpty() ? "; this endpoint takes none" : "; it takes " + allowed));
            }
        }
    }

    private static int whole(ServerRequest req, String name, int dflt, int min, int max) {
        String v = req.query().first(name).orElse(null);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw ApiError.badRequest("query parameter '" + name + "': '" + RequestBody.abbreviate(v)
                + "' must be a whole number from " + min + " to " + max);
    }

    static ObjectNode info(ObjectNode n, ContentInfo i) {
        n.put("digest", i.digest().toString());
        n.put("size", i.size());
        n.put("origin", i.origin());
        n.put("injected_at_ms", i.injectedAt().toEpochMilli());
        n.put("first_seen_at_ms", i.firstSeenAt().toEpochMilli());
        n.put("hops", i.hops());
        n.put("pinned", i.pinned());
        n.put("duplicates", i.duplicates());
        n.put("pushes_sent", i.pushesSent());
        return n;
    }

    static ObjectNode stats(ObjectNode n, ContentStats s) {
        n.put("entries", s.entries());
        n.put("bytes", s.bytes());
        n.put("budget_bytes", s.budgetBytes());
        n.put("duplicates", s.duplicates());
        n.put("evictions", s.evictions());
        n.put("pushes_sent", s.pushesSent());
        n.put("pushes_received", s.pushesReceived());
        n.put("refused", s.refused());
        return n;
    }
}
