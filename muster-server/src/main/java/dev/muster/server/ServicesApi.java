package dev.muster.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Cluster;
import dev.muster.Durations;
import dev.muster.Member;
import dev.muster.RpcConfig;
import dev.muster.services.CallOptions;
import dev.muster.services.LatencyHistogram;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import dev.muster.services.RpcException;
import dev.muster.services.ServiceInstance;
import dev.muster.services.ServiceStats;
import dev.muster.services.Services;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

/**
 * The service endpoints: the services this node knows of (every live node advertises its
 * instances in its membership metadata, so any node answers for the cluster), and calls to them
 * made by this node on an HTTP client's behalf.
 *
 * <pre>
 * GET  /api/cluster/services              200 {"NAME": [{"node","address","metadata","health"}], ...}
 * GET  /api/cluster/services/{name}       200 [{"node","address","metadata","health"}]; 404 when no live node offers it
 * POST /api/cluster/services/{name}/call  ?timeout=2s (default rpc.default-timeout) &amp;node=NAME (that node's
 *                                         instance; default: rpc.strategy picks); the body is the request
 *                                         payload, its Content-Type the request header "content-type";
 *                                         200 the reply payload
 * </pre>
 *
 * Lists show passing instances only, sorted by node name; {@code address} is the node's gossip
 * address, {@code host:port}, where calls go. A reply's {@code content-type} header becomes the
 * HTTP Content-Type (else {@code application/octet-stream}); its other headers come back as
 * {@code muster-reply-NAME} HTTP headers (those whose name is an HTTP token and whose value is
 * printable ASCII).
 *
 * <p>Errors, as {@code {"error","detail"}}, the detail being the core's message: 400 for an
 * unknown query parameter or a bad {@code timeout} (the name, the value and the rule), and for a
 * payload the handler's codec refused ({@code CODEC}); 404 for a service no live node offers, a
 * node that is no member, or one that does not offer the service; 413 for a body over
 * {@link #MAX_CALL_BYTES} or over {@code rpc.max-message-bytes} ({@code TOO_LARGE}); 429 when the
 * connection to the target has too many calls in flight ({@code OVERLOADED}); 502 when the
 * handler threw ({@code REMOTE}, with its exception's class and message); 503 when no instance
 * could take the call ({@code UNAVAILABLE}: its node died, its connection closed, the node named
 * is dead) or this node is closed; 504 at the deadline ({@code TIMEOUT}). Every check runs before
 * the call is made, so a refused request calls nothing.
 *
 * <p>Thread-safe: no state of its own. A call blocks its request's virtual thread until the
 * reply, the error or the deadline.
 */
final class ServicesApi {

    /**
     * Largest request body: the default {@code rpc.max-message-bytes} (4 MiB). Reading more
     * would only hold memory for a call the default configuration refuses anyway; a node with a
     * lower limit answers 413 from the core's own check.
     */
    static final int MAX_CALL_BYTES = RpcConfig.DEFAULTS.maxMessageBytes();
    /** Longest deadline a call over HTTP may ask for: each one holds a connection and a thread until then. */
    static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);
    /** Shortest: below this a call cannot leave the machine. */
    static final Duration MIN_TIMEOUT = Duration.ofMillis(1);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> CALL_PARAMETERS = Set.of("timeout", "node");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
    private static final Pattern PRINTABLE = Pattern.compile("[\\x20-\\x7e\\t]{0,1024}");
    /** The counters of a service this node knows of but never called nor served. */
    private static final ServiceStats NONE = new ServiceStats(0, 0, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.Snapshot.EMPTY);

    private final Cluster cluster;

    ServicesApi(Cluster cluster) {
        this.cluster = cluster;
    }

    void routes(HttpRouting.Builder r) {
        r.get("/api/cluster/services", (req, res) -> NodeServer.answer(res, this::catalog))
                .get("/api/cluster/services/{name}", (req, res) -> NodeServer.answer(res, () -> one(name(req))))
                .post("/api/cluster/services/{name}/call", this::call);
    }

    private ObjectNode catalog() {
        ObjectNode n = JSON.createObjectNode();
        cluster.services().catalog().forEach((name, instances) -> instances(n.putArray(name), instances));
        return n;
    }

    private ArrayNode one(String name) {
        List<ServiceInstance> instances = cluster.services().resolve(name);
        if (instances.isEmpty()) {
            throw unknown(name);
        }
        return instances(JSON.createArrayNode(), instances);
    }

    private static ArrayNode instances(ArrayNode list, List<ServiceInstance> instances) {
        for (ServiceInstance i : instances) {
            ObjectNode n = list.addObject();
            n.put("node", i.node());
            n.put("address", i.address().toString());
            ObjectNode meta = n.putObject("metadata");
            new TreeMap<>(i.metadata()).forEach(meta::put);
            n.put("health", i.health().name().toLowerCase(Locale.ROOT));
        }
        return list;
    }

    private static String name(ServerRequest req) {
        return req.path().pathParameters().get("name");
    }

    private static ApiError unknown(String name) {
        return new ApiError(404, "unknown service", "no live node offers service '" + RequestBody.abbreviate(name)
                + "'; GET /api/cluster/services lists the services");
    }

    // ------------------------------------------------------------------ calls

    private void call(ServerRequest req, ServerResponse res) {
        Reply reply;
        try {
            reply = reply(req);
        } catch (ApiError e) {
            NodeServer.fail(res, e);
            return;
        } catch (IllegalStateException closed) {
            NodeServer.fail(res, new ApiError(503, "node stopped", closed.getMessage()));
            return;
        }
        String type = reply.headers().get("content-type");
        res.status(200);
        res.header(HeaderNames.CONTENT_TYPE, type != null && PRINTABLE.matcher(type).matches() && !type.isBlank()
                ? type : "application/octet-stream");
        reply.headers().forEach((k, v) -> {
            if (!k.equalsIgnoreCase("content-type") && TOKEN.matcher(k).matches() && PRINTABLE.matcher(v).matches()) {
                res.header(NodeServer.REPLY_HEADER_PREFIX + k.toLowerCase(Locale.ROOT), v);
            }
        });
        res.send(reply.payload());
    }

    /** Checks the request, makes the call and waits for it; every refusal is an {@link ApiError}. */
    private Reply reply(ServerRequest req) {
        String name = name(req);
        for (String p : req.query().names()) {
            if (!CALL_PARAMETERS.contains(p)) {
                throw ApiError.badRequest("unknown query parameter '" + RequestBody.abbreviate(p)
                        + "'; a call takes timeout (for example ?timeout=2s) and node (?node=node-2)");
            }
        }
        CallOptions options = options(req.query().first("timeout").orElse(null));
        String node = req.query().first("node").orElse(null);
        byte[] payload = RequestBody.bytes(req, MAX_CALL_BYTES, "the limit of a call over HTTP"); // empty is a payload
        String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
        Request request = new Request(payload, contentType == null ? Map.of() : Map.of("content-type", contentType));
        Services services = cluster.services();
        CompletableFuture<Reply> reply;
        if (node == null) {
            if (services.resolve(name).isEmpty()) {
                throw unknown(name);
            }
            reply = services.call(name, request, options);
        } else {
            reply = services.call(target(services, name, node), name, request, options);
        }
        return await(reply);
    }

    /**
     * The options of {@code ?timeout=}: the deadline it names, or the node's
     * {@code rpc.default-timeout} when absent.
     *
     * @throws ApiError 400 naming the parameter, the value and the rule
     */
    private static CallOptions options(String timeout) {
        if (timeout == null) {
            return CallOptions.DEFAULT;
        }
        Duration t;
        try {
            t = Durations.parse("query parameter 'timeout'", RequestBody.abbreviate(timeout));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        if (t.compareTo(MIN_TIMEOUT) < 0 || t.compareTo(MAX_TIMEOUT) > 0) {
            throw ApiError.badRequest("query parameter 'timeout' (" + timeout.strip() + ") must be between "
                    + Durations.format(MIN_TIMEOUT) + " and " + Durations.format(MAX_TIMEOUT));
        }
        return CallOptions.timeout(t);
    }

    /** The member {@code node}, when it is alive and offers {@code service}; else a 404 or 503 saying which. */
    private Member target(Services services, String service, String node) {
        Member m = cluster.member(node).orElseThrow(() -> new ApiError(404, "unknown node", "no member named '"
                + RequestBody.abbreviate(node) + "'; GET /api/cluster/services/" + RequestBody.abbreviate(service)
                + " lists the nodes that offer it"));
        if (m.state().isGone()) {
            throw new ApiError(503, "unavailable", "node " + node + " is " + m.state().jsonName()
                    + "; GET /api/cluster/services/" + service + " lists the live nodes that offer it");
        }
        if (services.resolve(service).stream().noneMatch(i -> i.node().equals(node))) {
            throw new ApiError(404, "unknown service", "node " + node + " offers no service '"
                    + RequestBody.abbreviate(service) + "'; GET /api/cluster/services lists who offers what");
        }
        return m;
    }

    /** Waits for the call: the core ends every call by its deadline at the latest. */
    private static Reply await(CompletableFuture<Reply> reply) {
        try {
            return reply.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "node stopped", "the call was interrupted: this node's HTTP server is stopping");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException ce && ce.getCause() != null
                    ? ce.getCause() : e.getCause();
            if (cause instanceof RpcException r) {
                throw mapped(r);
            }
            throw new ApiError(502, "call failed", String.valueOf(cause));
        }
    }

    /** The status and short error of each way a call fails. */
    static ApiError mapped(RpcException e) {
        String detail = e.getMessage();
        return switch (e.kind()) {
            case UNAVAILABLE -> new ApiError(503, "unavailable", detail);
            case TIMEOUT -> new ApiError(504, "timeout", detail);
            case OVERLOADED -> new ApiError(429, "overloaded", detail);
            case TOO_LARGE -> new ApiError(413, "too large", detail);
            case REMOTE -> new ApiError(502, "handler failed", detail);
            case CODEC -> new ApiError(400, "bad payload", detail);
            case CLOSED -> new ApiError(503, "node stopped", detail);
        };
    }

    // ------------------------------------------------------------------ stats

    /**
     * This node's counters per service for {@code /api/cluster/stats}: every service it knows of
     * or has called or served, with its passing instances.
     */
    static ObjectNode stats(Services services) {
        Map<String, List<ServiceInstance>> catalog = services.catalog();
        Map<String, ServiceStats> counters = services.stats();
        Set<String> names = new java.util.TreeSet<>(catalog.keySet());
        names.addAll(counters.keySet());
        ObjectNode all = JSON.createObjectNode();
        for (String name : names) {
            ServiceStats s = counters.getOrDefault(name, NONE);
            ObjectNode n = all.putObject(name);
            n.put("instances", catalog.getOrDefault(name, List.of()).size());
            n.put("calls", s.calls());
            n.put("errors", s.errors());
            n.put("timeouts", s.timeouts());
            n.put("in_flight", s.inFlight());
            n.put("retries", s.retries());
            n.put("bytes_out", s.bytesOut());
            n.put("bytes_in", s.bytesIn());
            n.put("served", s.served());
            n.put("serve_errors", s.serveErrors());
            LatencyHistogram.Snapshot l = s.latency();
            n.putObject("latency_ms").put("count", l.count()).put("mean", millis(l.meanMillis()))
                    .put("p50", millis(l.p50Millis())).put("p90", millis(l.p90Millis())).put("p99", millis(l.p99Millis()))
                    .put("max", millis(l.maxMillis()));
        }
        return all;
    }

    /** Milliseconds to the microsecond: the histogram's buckets are no finer. */
    private static double millis(double ms) {
        return Math.round(ms * 1000) / 1000.0;
    }
}
