package dev.muster.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Cluster;
import dev.muster.balance.NodeLoad;
import dev.muster.control.ControlPlane;
import dev.muster.control.ControlState;
import dev.muster.control.Mutation;
import dev.muster.control.NodeStatus;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Registration through the API, the seed's way: a node registered here is a member of the
 * cluster run by this node ({@link Registry}), so the member list stays the one registry.
 *
 * <pre>
 * POST   /api/cluster/nodes       {"id","hostname","ip","port","max_agents"?,"services"?}: 201 the node as
 *                                 GET /api/cluster/nodes shows it (max_agents 0 and no services by default)
 * POST   /api/cluster/nodes/{id}  a heartbeat {"cpu"?,"memory"?,"disk"?,"load"?,"agents"?} (at least one):
 *                                 200 the node with its new figures; or {"status"}: an operator's status
 *                                 ({@link ControlApi}); a body with both kinds, or neither, is a 400
 * DELETE /api/cluster/nodes/{id}  the registered node leaves: 200 {"left": id}
 * </pre>
 *
 * A registered node that sends no heartbeat for {@link Registry#HEARTBEAT_TIMEOUT} leaves by
 * itself. Rules: {@code id} a node name (1 to 128 of A-Z, a-z, 0-9, '.', '_', '-'),
 * {@code hostname} a host name (RFC 1123), {@code ip} an IPv4 or IPv6 literal, {@code port} 1 to
 * 65535, {@code max_agents} 0 to {@value HealthReporter#MAX_AGENTS}, {@code services} at most
 * {@value NodeLoad#MAX_SERVICES} names of A-Z, a-z, 0-9, '.', '_', '-'; figures {@code cpu},
 * {@code memory}, {@code disk} 0 to 1, {@code load} (per core) 0 to 1000, {@code agents} 0 to
 * {@value HealthReporter#MAX_AGENTS}.
 *
 * <p>Errors: 400 for a malformed body, an unknown field or a value that breaks its rule; 404 for
 * a node that is no member; 409 for an id that is taken, and for a heartbeat or delete of a node
 * not registered here (a node process, or one registered through another node). Every check runs
 * before anything changes.
 *
 * <p>Thread-safe: it holds no state of its own; the registry is thread-safe.
 */
final class RegistryApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REGISTER_EXAMPLE = "{\"id\": \"web-1\", \"hostname\": \"web-1.example.com\","
            + " \"ip\": \"10.0.0.7\", \"port\": 8080, \"max_agents\": 8, \"services\": [\"web\"]}"
            + " (max_agents and services optional)";
    private static final Set<String> REGISTER_FIELDS = Set.of("id", "hostname", "ip", "port", "max_agents", "services");
    private static final String HEARTBEAT_EXAMPLE = "{\"cpu\": 0.42, \"memory\": 0.61, \"disk\": 0.3, \"load\": 0.8,"
            + " \"agents\": 2} (any of them)";
    private static final List<String> FIGURES = List.of("cpu", "memory", "disk", "load", "agents");
    private static final String NODE_EXAMPLE = ControlApi.STATUS_EXAMPLE + " or a heartbeat " + HEARTBEAT_EXAMPLE;
    private static final Set<String> NODE_FIELDS = Set.of("status", "cpu", "memory", "disk", "load", "agents");

    /** A host name as RFC 1123 allows it: dot-separated labels of letters, digits and inner hyphens. */
    private static final Pattern HOST_NAME = Pattern.compile(
            "(?=.{1,253}\\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    private final ControlPlane control; // null: no control plane
    private final ControlApi statuses;
    private final Registry registry;

    RegistryApi(ControlPlane control, ControlApi statuses, Registry registry) {
        this.control = control;
        this.statuses = statuses;
        this.registry = registry;
    }

    void routes(HttpRouting.Builder r) {
        r.post("/api/cluster/nodes", (req, res) -> NodeServer.answer(res, 201, () -> register(req)))
                .post("/api/cluster/nodes/{id}", (req, res) -> NodeServer.answer(res, () -> update(req)))
                .delete("/api/cluster/nodes/{id}", (req, res) -> NodeServer.answer(res, () -> leave(req)));
    }

    private ObjectNode register(ServerRequest req) {
        RequestBody b = RequestBody.read(req, REGISTER_FIELDS, REGISTER_EXAMPLE);
        String id = nodeName(b.text("id", REGISTER_EXAMPLE));
        String hostname = b.text("hostname", REGISTER_EXAMPLE);
        if (!HOST_NAME.matcher(hostname).matches()) {
            throw ApiError.badRequest("field 'hostname': '" + RequestBody.abbreviate(hostname) + "' must be a host name:"
                    + " labels of A-Z, a-z, 0-9 and inner '-', 1 to 63 characters each, joined by '.', 253 at most");
        }
        String ip = ip(b.text("ip", REGISTER_EXAMPLE));
        int port = b.integer("port", 1, 65_535, REGISTER_EXAMPLE);
        int maxAgents = b.has("max_agents") ? b.integer("max_agents", 0, HealthReporter.MAX_AGENTS, REGISTER_EXAMPLE) : 0;
        Set<String> services = new TreeSet<>();
        if (b.has("services")) {
            services.addAll(b.texts("services", NodeLoad.MAX_SERVICES, REGISTER_EXAMPLE));
            try {
                new NodeLoad(-1, -1, -1, -1, 0, maxAgents, services);
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("field 'services': " + e.getMessage());
            }
        }
        Cluster member = registry.register(new Registry.Registration(id, hostname, ip, port, maxAgents, services));
        ObjectNode n = node(member);
        n.put("heartbeat_timeout_ms", registry.heartbeatTimeout().toMillis());
        return n;
    }

    /** A status write or a heartbeat, told apart by the body's fields. */
    private ObjectNode update(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        RequestBody b = RequestBody.read(req, NODE_FIELDS, NODE_EXAMPLE);
        boolean figures = FIGURES.stream().anyMatch(b::has);
        if (b.has("status") && figures) {
            throw ApiError.badRequest("a body holds either a status " + ControlApi.STATUS_EXAMPLE + " or heartbeat figures "
                    + HEARTBEAT_EXAMPLE + ", not both");
        }
        if (b.has("status")) {
            return statuses.setStatus(id, b);
        }
        if (!figures) {
            throw ApiError.badRequest("the body names no field; send " + NODE_EXAMPLE);
        }
        nodeName(id);
        Registry.Figures f = new Registry.Figures(fraction(b, "cpu"), fraction(b, "memory"), fraction(b, "disk"),
                b.has("load") ? range(b, "load", 1_000) : null,
                b.has("agents") ? b.integer("agents", 0, HealthReporter.MAX_AGENTS, HEARTBEAT_EXAMPLE) : null);
        return node(registry.heartbeat(id, f));
    }

    private ObjectNode leave(ServerRequest req) {
        String id = nodeName(req.path().pathParameters().get("id"));
        registry.leave(id);
        return JSON.createObjectNode().put("left", id);
    }

    /** The node as GET /api/cluster/nodes shows it, from the registered member's own view of itself. */
    private ObjectNode node(Cluster member) {
        ControlState state = control == null ? ControlState.INITIAL : control.state();
        return NodeServer.node(JSON.createObjectNode(), member.localMember(), control, state);
    }

    private static String nodeName(String id) {
        try {
            return new Mutation.SetNodeStatus(id, NodeStatus.ONLINE).node();
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("field 'id': " + e.getMessage());
        }
    }

    private static Double fraction(RequestBody b, String field) {
        return b.has(field) ? range(b, field, 1) : null;
    }

    private static double range(RequestBody b, String field, double max) {
        double v = b.number(field, HEARTBEAT_EXAMPLE);
        if (!(v >= 0 && v <= max)) {
            throw ApiError.badRequest("field '" + field + "' (" + v + ") must be between 0 and " + (max == 1 ? "1" : "1000")
                    + "; send " + HEARTBEAT_EXAMPLE);
        }
        return v;
    }

    /** An IPv4 or IPv6 literal, checked without any name lookup. */
    private static String ip(String text) {
        String rule = "' must be an IPv4 address (four numbers 0 to 255 joined by '.') or an IPv6 address";
        Matcher v4 = IPV4.matcher(text);
        if (v4.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(v4.group(i)) > 255) {
                    throw ApiError.badRequest("field 'ip': '" + text + rule);
                }
            }
            return text;
        }
        if (text.indexOf(':') >= 0 && IPV6.matcher(text).matches()) {
            try {
                InetAddress.getByName(text); // a text with ':' is parsed as an IPv6 literal, never looked up
                return text;
            } catch (UnknownHostException e) {
                // falls through to the error
            }
        }
        throw ApiError.badRequest("field 'ip': '" + RequestBody.abbreviate(text) + rule);
    }
}
