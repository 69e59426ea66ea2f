package dev.muster.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Cluster;
import dev.muster.ClusterInfo;
import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.agents.AgentRuntime;
import dev.muster.balance.NodeLoad;
import dev.muster.control.ControlPlane;
import dev.muster.control.ControlState;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerResponse;
import java.util.Objects;

/**
 * The HTTP face of one node: health checks, the member list and registration
 * ({@link RegistryApi}), the control plane's leader, node statuses and strategy
 * ({@link ControlApi}), agents ({@link AgentsApi}), services and calls to them ({@link ServicesApi}),
 * statistics ({@link StatsApi}) and fault injection ({@link FaultApi}), as JSON; the event stream
 * ({@link EventsApi}), Prometheus metrics ({@link MetricsApi}), the OpenAPI document
 * ({@link OpenApiDoc}) and the dashboard page ({@link DashboardPage}).
 *
 * <pre>
 * GET /health/alive       200 {"status":"alive"} while the process serves
 * GET /health/ready       200 {"status":"ready"} once joined; 503 {"status":"joining"|"leaving"|"left"}
 * GET /api/cluster/nodes  200 [{"name","address","gossip_port","http_port","state","incarnation","role","status",
 *                               "roles","health":{"cpu","memory","disk","load","agents","max_agents"},"services",
 *                               "metadata"}]; ?filter=healthy|available and ?service=NAME select ({@link NodeQuery})
 * GET /api/cluster/nodes/{id}  200 one member as the list shows it; 404 when unknown
 * GET /api/cluster/info   200 {"name","index","state","incarnation","pid","uptime_ms","cluster_size","members",
 *                              "alive","suspect","dead","left","formed","leader","term","role","healthy"}:
 *                              this node and what it sees
 * POST   /api/cluster/nodes       {"id","hostname","ip","port","max_agents"?,"services"?}: 201, a registered node
 * POST   /api/cluster/nodes/{id}  {"cpu"?,"memory"?,"disk"?,"load"?,"agents"?}: a registered node's heartbeat;
 *                                 {"status"}: an operator's status (online, draining, standby)
 * DELETE /api/cluster/nodes/{id}  a registered node leaves ({@link RegistryApi})
 * GET    /api/cluster/leader      POST /api/cluster/leader    GET|POST /api/cluster/strategy
 * POST   /api/cluster/balance     the strategy ({@link ControlApi})
 * GET    /api/cluster/stats       nodes by state, role and status, agents by phase, utilisation, this node's
 *                                 service counters ({@link StatsApi})
 * GET    /api/cluster/agents      GET /api/cluster/assignments (the same list)   GET /api/cluster/agents/{id}
 * POST   /api/cluster/agents      {"id","type","service"?,"args"?}: 201     DELETE /api/cluster/agents/{id}
 * POST   /api/cluster/agents/{id}/migrate  {"node"}: 202
 * GET    /api/node/agents         this node's agent runtime ({@link AgentsApi})
 * GET    /api/cluster/services    {"NAME": [{"node","address","metadata","health"}]}   GET /api/cluster/services/{name}
 * POST   /api/cluster/services/{name}/call?timeout=2s[&amp;node=NAME]  body: the request payload; 200 the reply
 *                                 payload ({@link ServicesApi})
 * GET    /api/cluster/content      this node's store   POST /api/cluster/content?energy=&amp;fanout= inject the body
 * GET    /api/cluster/content/{digest}[?fetch=true]   the content   GET /api/cluster/content/{digest}/info
 *                                 ({@link ContentApi})
 * GET    /api/faults          200 {"enabled","rules":[{"peer","drop_rate","delay_ms","blackhole"}]}
 * POST   /api/faults          {"peer","blackhole"|"drop_rate"|"delay_ms"}: 200 the peer's rule
 * DELETE /api/faults[/{peer}] heal all (200 {"healed": n}) or one peer; only on --faults nodes
 *                              ({@link FaultApi}), 409 elsewhere; a black hole cuts gossip and Raft
 * GET    /api/cluster/health  200 {"status":"healthy"|"degraded","reasons",...}, 503 when "unhealthy" ({@link HealthApi})
 * GET    /api/cluster/events  server-sent events: member, leader, strategy, status, assignment, service
 *                              (and reset); Last-Event-ID resume, ?types=, ?follow=false ({@link EventsApi})
 * GET    /metrics             Prometheus text ({@link MetricsApi})
 * GET    /api/openapi.yaml    this API as OpenAPI ({@link OpenApiDoc})
 * GET    /                    the dashboard page ({@link DashboardPage})
 * </pre>
 *
 * <p>With a token ({@link Options#token()}), mutations ({@code POST}, {@code PUT}, {@code DELETE}
 * on {@code /api/*}) need {@code Authorization: Bearer TOKEN}, and with {@link Options#protectReads()}
 * the reads of {@code /api/*} and {@code /metrics} too; otherwise 401 and nothing changes
 * ({@link AccessFilter}). The health checks, the page and the OpenAPI document are always open.
 *
 * <p>Each member's {@code http_port} is the one it publishes in its metadata under
 * {@link #HTTP_PORT_KEY}; {@code roles} comes from {@link #ROLES_KEY} (comma-separated).
 * {@code role} is the member's part in the control plane (leader, replica, worker, standby) and
 * {@code status} what an operator set (online, draining, standby), or offline while membership
 * shows it dead or left. Without a control plane every node is a worker, online, and the
 * control endpoints answer 503.
 *
 * <p>Thread-safe: Helidon runs each request on a virtual thread; the cluster's methods are
 * thread-safe.
 */
public final class NodeServer implements AutoCloseable {

    /** Metadata key where a node publishes its HTTP port. */
    public static final String HTTP_PORT_KEY = "http-port";
    /** Metadata key of a node's roles, comma-separated. */
    public static final String ROLES_KEY = "roles";
    /**
     * The prefix of the HTTP headers that carry a service reply's headers in the answer to
     * {@code POST /api/cluster/services/{name}/call}: reply header {@code node} comes back as
     * {@code muster-reply-node}.
     */
    public static final String REPLY_HEADER_PREFIX = "muster-reply-";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How a node server guards and buffers.
     *
     * @param token the bearer token mutations need ({@link AccessFilter}), or null: every request passes
     * @param protectReads reads of {@code /api/*} and {@code /metrics} need the token too
     * @param eventsBuffer events kept for {@code Last-Event-ID} resume ({@link EventsApi})
     */
    public record Options(String token, boolean protectReads, int eventsBuffer) {

        /** No token, 1024 events: for tests and applications that guard the port themselves. */
        public static final Options OPEN = new Options(null, false, dev.muster.HttpConfig.DEFAULTS.eventsBuffer());

        public Options {
            if (token != null) {
                dev.muster.HttpConfig.tokenProblem("token", token).ifPresent(p -> {
                    throw new IllegalArgumentException(p);
                });
            }
            if (eventsBuffer < 1) {
                throw new IllegalArgumentException("eventsBuffer (" + eventsBuffer + ") must be at least 1");
            }
        }
    }

    private final WebServer server;
    private final Registry registry;
    private final EventLog events;
    private final EventFeed feed;
    private final MetricsApi metrics;
    private final MemberListCache memberList;

    private NodeServer(WebServer server, Registry registry, EventLog events, EventFeed feed, MetricsApi metrics,
                       MemberListCache memberList) {
        this.server = server;
        this.memberList = memberList;
        this.registry = registry;
        this.events = events;
        this.feed = feed;
        this.metrics = metrics;
    }

    /** Serves {@code cluster} over HTTP on {@code host:port} (0 = any free port), without a control plane. */
    public static NodeServer start(Cluster cluster, String host, int port) {
        return start(cluster, null, host, port);
    }

    /**
     * Serves {@code cluster} and its control plane over HTTP on {@code host:port} (0 = any free
     * port).
     *
     * @param control the node's control plane, or null for none (the control endpoints answer 503)
     */
    public static NodeServer start(Cluster cluster, ControlPlane control, String host, int port) {
        return start(cluster, control, null, host, port);
    }

    /**
     * Serves {@code cluster}, its control plane and its agent runtime over HTTP on
     * {@code host:port} (0 = any free port), open to every request ({@link Options#OPEN}).
     *
     * @param control the node's control plane, or null for none (the control endpoints answer 503)
     * @param runtime the node's agent runtime, or null for none ({@code /api/node/agents} answers 503)
     */
    public static NodeServer start(Cluster cluster, ControlPlane control, AgentRuntime runtime, String host, int port) {
        return start(cluster, control, runtime, host, port, Options.OPEN);
    }

    /**
     * As above, guarded and buffered as {@code options} say. Nodes registered through this server
     * ({@code POST /api/cluster/nodes}) bind to {@code host} too, and leave when it closes.
     */
    public static NodeServer start(Cluster cluster, ControlPlane control, AgentRuntime runtime, String host, int port,
                                   Options options) {
        return start(cluster, control, runtime, host, port, Registry.Settings.DEFAULT, options);
    }

    /** As above, with the registry's heartbeat timeout and protocol settings given (tests). */
    static NodeServer start(Cluster cluster, ControlPlane control, AgentRuntime runtime, String host, int port,
                            Registry.Settings registration) {
        return start(cluster, control, runtime, host, port, registration, Options.OPEN);
    }

    static NodeServer start(Cluster cluster, ControlPlane control, AgentRuntime runtime, String host, int port,
                            Registry.Settings registration, Options options) {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(options, "options");
        ControlApi api = new ControlApi(cluster, control);
        FaultApi faults = new FaultApi(cluster);
        StatsApi stats = new StatsApi(cluster, control);
        HealthApi health = new HealthApi(cluster, control);
        AgentsApi agents = new AgentsApi(cluster, control, runtime);
        ServicesApi services = new ServicesApi(cluster);
        ContentApi content = new ContentApi(cluster);
        EventLog events = new EventLog(options.eventsBuffer(), java.time.Clock.systemUTC());
        EventsApi stream = new EventsApi(events);
        Registry registry = new Registry(cluster, host, registration);
        RegistryApi registrations = new RegistryApi(control, api, registry);
        EventFeed feed = null;
        MetricsApi metrics = null;
        MemberListCache memberList = null;
        WebServer server;
        try {
            memberList = new MemberListCache(cluster, control);
            feed = new EventFeed(events, cluster, control);
            metrics = new MetricsApi(cluster, control, runtime);
            MetricsApi m = metrics;
            server = build(cluster, control, memberList, host, port, r -> r
                    .addFilter(new AccessFilter(options.token(), options.protectReads()))
                    .update(api::routes).update(faults::routes)
                    .update(stats::routes).update(health::routes).update(agents::routes).update(services::routes)
                    .update(content::routes).update(registrations::routes).update(stream::routes)
                    .update(m::routes).update(new OpenApiDoc()::routes).update(new DashboardPage()::routes));
        } catch (RuntimeException e) {
            closeAll(feed, metrics, registry, memberList);
            throw e;
        }
        return new NodeServer(server, registry, events, feed, metrics, memberList);
    }

    private static void closeAll(AutoCloseable... parts) {
        RuntimeException failed = null;
        for (AutoCloseable c : parts) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                if (failed == null) {
                    failed = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    private static WebServer build(Cluster cluster, ControlPlane control, MemberListCache memberList, String host, int port,
                                   java.util.function.Consumer<io.helidon.webserver.http.HttpRouting.Builder> apis) {
        return WebServer.builder()
                .host(host)
                .port(port)
                .shutdownHook(false) // muster serve's own hook leaves the cluster first
                // Helidon leaves Nagle on: a small JSON answer then waits for the client's delayed
                // ACK, 40 ms on Linux loopback (measured in docs/benchmarks.md, REST API)
                .connectionOptions(o -> o.tcpNoDelay(true))
                .routing(r -> {
                    apis.accept(r); // the access filter first, so it guards every route
                    r.get("/health/alive", (req, res) -> json(res, 200, status("alive")))
                        .get("/health/ready", (req, res) -> {
                            MemberState s = localState(cluster);
                            boolean ready = s == MemberState.ALIVE;
                            json(res, ready ? 200 : 503, status(ready ? "ready" : s.jsonName()));
                        })
                        .get("/api/cluster/nodes", (req, res) -> {
                            String filter = req.query().first("filter").orElse(null);
                            String service = req.query().first("service").orElse(null);
                            if (filter == null && service == null) {
                                cached(res, memberList); // the common poll: served from bytes, see MemberListCache
                            } else {
                                answer(res, () -> nodes(cluster, control, NodeQuery.of(filter, service)));
                            }
                        })
                        .get("/api/cluster/nodes/{id}", (req, res) -> answer(res, () -> node(cluster, control,
                                req.path().pathParameters().get("id"))))
                        .get("/api/cluster/info", (req, res) -> answer(res, () -> info(cluster, control)));
                })
                .build()
                .start();
    }

    /** The port served. */
    public int port() {
        return server.port();
    }

    /** This node's state; {@code LEFT} once the node is closed (after a leave, while HTTP still serves). */
    private static MemberState localState(Cluster cluster) {
        try {
            return cluster.localMember().state();
        } catch (IllegalStateException closed) {
            return MemberState.LEFT;
        }
    }

    /**
     * 200 with the body; an {@link ApiError} as its status and {"error","detail"}; 503 once the
     * node is closed.
     */
    static void answer(ServerResponse res, java.util.function.Supplier<Object> body) {
        answer(res, 200, body);
    }

    /** As {@link #answer(ServerResponse, java.util.function.Supplier)}, with {@code status} for success (201, 202). */
    static void answer(ServerResponse res, int status, java.util.function.Supplier<Object> body) {
        Object value;
        try {
            value = body.get();
        } catch (ApiError e) {
            fail(res, e);
            return;
        } catch (IllegalStateException closed) {
            json(res, 503, error("node stopped", closed.getMessage()));
            return;
        }
        json(res, status, value);
    }

    /** Answers an {@link ApiError}: its status and {"error","detail"}. */
    static void fail(ServerResponse res, ApiError e) {
        json(res, e.status(), error(e.error(), e.getMessage()));
    }

    private static ObjectNode error(String error, String detail) {
        return JSON.createObjectNode().put("error", error).put("detail", detail);
    }

    private static ObjectNode status(String status) {
        return JSON.createObjectNode().put("status", status);
    }

    private static final long STARTED_NANOS = System.nanoTime();

    static ObjectNode info(Cluster cluster, ControlPlane control) {
        ClusterInfo info = cluster.info();
        ObjectNode n = JSON.createObjectNode();
        n.put("name", info.self().name());
        n.put("index", info.index());
        n.put("state", info.self().state().jsonName());
        n.put("incarnation", info.self().incarnation());
        n.put("pid", ProcessHandle.current().pid());
        n.put("uptime_ms", (System.nanoTime() - STARTED_NANOS) / 1_000_000);
        n.put("cluster_size", info.clusterSize());
        n.put("members", info.members().size());
        int[] counts = new int[MemberState.values().length];
        for (Member m : info.members()) {
            counts[m.state().ordinal()]++;
        }
        n.put("alive", info.alive());
        n.put("suspect", counts[MemberState.SUSPECT.ordinal()]);
        n.put("dead", counts[MemberState.DEAD.ordinal()]);
        n.put("left", counts[MemberState.LEFT.ordinal()]);
        n.put("formed", info.formed());
        ControlApi.putLeader(n, control == null ? null : control.leader().orElse(null));
        n.put("role", control == null ? "worker" : control.role(info.self().name()).jsonName());
        n.put("healthy", control != null && control.health().healthy());
        return n;
    }

    static ArrayNode nodes(Cluster cluster, ControlPlane control, NodeQuery query) {
        ArrayNode list = JSON.createArrayNode();
        ControlState state = control == null ? ControlState.INITIAL : control.state();
        for (Member m : cluster.members()) {
            if (query.matches(m.state(), status(m, state), NodeLoad.fromMetadata(m.metadata()))) {
                node(list.addObject(), m, control, state);
            }
        }
        return list;
    }

    /** What an operator set, or offline while membership shows the member dead or left. */
    private static String status(Member m, ControlState state) {
        return m.state() == MemberState.DEAD || m.state() == MemberState.LEFT ? "offline"
                : state.status(m.name()).jsonName();
    }

    /** GET /api/cluster/nodes/{id}: the member of that name as the list shows it; 404 when unknown. */
    private static ObjectNode node(Cluster cluster, ControlPlane control, String name) {
        Member m = cluster.member(name).orElseThrow(() -> new ApiError(404, "unknown node", "no member named '"
                + RequestBody.abbreviate(name) + "'; GET /api/cluster/nodes lists them"));
        return node(JSON.createObjectNode(), m, control, control == null ? ControlState.INITIAL : control.state());
    }

    /** One member's entry of /api/cluster/nodes, written into {@code n}. */
    static ObjectNode node(ObjectNode n, Member m, ControlPlane control, ControlState state) {
        NodeLoad load = NodeLoad.fromMetadata(m.metadata());
        n.put("name", m.name());
        n.put("address", m.address().host());
        n.put("gossip_port", m.address().port());
        String http = m.metadata().get(HTTP_PORT_KEY);
        if (http != null && !http.isEmpty() && http.length() < 6 && http.chars().allMatch(Character::isDigit)
                && Integer.parseInt(http) <= 65_535) {
            n.put("http_port", Integer.parseInt(http));
        } else {
            n.putNull("http_port");
        }
        n.put("state", m.state().jsonName());
        n.put("incarnation", m.incarnation());
        n.put("role", control == null ? "worker" : control.role(m.name()).jsonName());
        n.put("status", status(m, state));
        ArrayNode roles = n.putArray("roles");
        String r = m.metadata().get(ROLES_KEY);
        if (r != null) {
            for (String role : r.split(",")) {
                if (!role.isBlank()) {
                    roles.add(role.strip());
                }
            }
        }
        putHealth(n.putObject("health"), m.metadata(), load);
        ArrayNode services = n.putArray("services");
        load.services().forEach(services::add);
        ObjectNode meta = n.putObject("metadata");
        m.metadata().asMap().forEach(meta::put);
        return n;
    }

    /**
     * {"cpu","memory","disk","load","agents","max_agents"} as the member published them; null for a
     * figure it did not publish (a node without a health reporter shows all null).
     */
    private static void putHealth(ObjectNode h, dev.muster.Metadata meta, NodeLoad load) {
        putFigure(h, "cpu", load.cpu());
        putFigure(h, "memory", load.memory());
        putFigure(h, "disk", load.disk());
        putFigure(h, "load", load.load());
        putCount(h, "agents", meta, NodeLoad.AGENTS, load.agents());
        putCount(h, "max_agents", meta, NodeLoad.MAX_AGENTS, load.maxAgents());
    }

    private static void putFigure(ObjectNode h, String field, double v) {
        if (v < 0) {
            h.putNull(field);
        } else {
            h.put(field, v);
        }
    }

    /** A count NodeLoad reads as 0 when it is missing: null here unless the member published it. */
    private static void putCount(ObjectNode h, String field, dev.muster.Metadata meta, String key, int v) {
        String raw = meta.get(key);
        if (raw == null || raw.isEmpty()) {
            h.putNull(field);
        } else {
            h.put(field, v);
        }
    }

    /** The unfiltered member list from {@code cache}; 503 once the node stopped. */
    private static void cached(ServerResponse res, MemberListCache cache) {
        byte[] body;
        try {
            body = cache.body();
        } catch (IllegalStateException closed) {
            json(res, 503, error("node stopped", closed.getMessage()));
            return;
        }
        res.status(200);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body);
    }

    private static void json(ServerResponse res, int status, Object body) {
        try {
            res.status(status);
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(JSON.writeValueAsBytes(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /**
     * Stops serving: open event streams end, the nodes registered through this server leave (each
     * within a few seconds, in parallel), and the metrics stop.
     */
    @Override
    public void close() {
        events.close();
        try {
            server.stop();
        } finally {
            closeAll(feed, registry, metrics, memberList);
        }
    }
}
