package dev.muster.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Cluster;
import dev.muster.MemberState;
import dev.muster.agents.AgentRuntime;
import dev.muster.control.AgentInfo;
import dev.muster.control.AgentPhase;
import dev.muster.control.AgentSpec;
import dev.muster.control.ControlException;
import dev.muster.control.ControlPlane;
import dev.muster.control.ControlState;
import dev.muster.control.Mutation;
import dev.muster.control.NodeStatus;
import dev.muster.control.WriteResult;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The agent endpoints: the cluster's agents as the replicated state holds them (submit, list,
 * stop, migrate through the control plane), and what this node's agent runtime runs.
 *
 * <pre>
 * GET    /api/cluster/agents              200 [{"id","type","service","args","node","epoch","phase","message","migrate_to"}]
 * GET    /api/cluster/assignments         the same list, under the name ARCHITECTURE.md gives it
 * GET    /api/cluster/agents/{id}         200 the agent; 404 when no agent has that id
 * POST   /api/cluster/agents              {"id","type","service"?,"args"?}: 201 the agent (pending) and "version"
 * DELETE /api/cluster/agents/{id}         200 {"stopped","version"}; its node stops it once it sees that
 * POST   /api/cluster/agents/{id}/migrate {"node"}: 202 {"id","node","migrate_to","version"}; the move is
 *                                         asynchronous (phase migrating until the target runs it)
 * GET    /api/node/agents                 200 [{"id","type","epoch","phase"}]: this node's runtime
 *                                         (phase starting, running, failed, stopping or handing-off)
 * </pre>
 *
 * {@code node}, {@code service} and {@code migrate_to} are null when unset; {@code type} is null
 * for a bare placement (written by {@code Mutation.Assign}), which no runtime starts. Lists read
 * this node's copy of the state (cheap; it may lag a write by a moment), sorted by id.
 *
 * <p>Errors: 400 for a malformed body, an unknown field, or a name or argument list that breaks
 * its rule; 404 for an unknown agent; 409 for a submit whose id exists and for a migration the
 * state refuses (the agent is not placed or is there already, the target is no alive online
 * member); 503 when no quorum answers in time, on a node without a control plane, and for
 * {@code /api/node/agents} on a node without an agent runtime. Every check runs before the write,
 * so a bad request changes nothing.
 *
 * <p>Thread-safe: it holds no state of its own; the control plane and the runtime are thread-safe.
 */
final class AgentsApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUBMIT_EXAMPLE =
            "{\"id\": \"job-1\", \"type\": \"command\", \"service\": \"batch\", \"args\": [\"sleep\", \"600\"]}"
                    + " (service and args optional)";
    private static final Set<String> SUBMIT_FIELDS = Set.of("id", "type", "service", "args");
    private static final String MIGRATE_EXAMPLE = "{\"node\": \"node-2\"}";

    private final Cluster cluster;
    private final ControlPlane control; // null: no control plane
    private final AgentRuntime runtime; // null: this node runs no agents

    AgentsApi(Cluster cluster, ControlPlane control, AgentRuntime runtime) {
        this.cluster = cluster;
        this.control = control;
        this.runtime = runtime;
    }

    void routes(HttpRouting.Builder r) {
        r.get("/api/cluster/agents", (req, res) -> NodeServer.answer(res, this::list))
                .get("/api/cluster/assignments", (req, res) -> NodeServer.answer(res, this::list))
                .get("/api/cluster/agents/{id}", (req, res) -> NodeServer.answer(res, () -> one(id(req))))
                .post("/api/cluster/agents", (req, res) -> NodeServer.answer(res, 201, () -> submit(req)))
                .delete("/api/cluster/agents/{id}", (req, res) -> NodeServer.answer(res, () -> stop(id(req))))
                .post("/api/cluster/agents/{id}/migrate", (req, res) -> NodeServer.answer(res, 202, () -> migrate(req)))
                .get("/api/node/agents", (req, res) -> NodeServer.answer(res, this::local));
    }

    private ArrayNode list() {
        ArrayNode list = JSON.createArrayNode();
        ControlApi.require(control).state().agents().values().forEach(a -> agent(list.addObject(), a));
        return list;
    }

    private ObjectNode one(String id) {
        AgentInfo a = ControlApi.require(control).state().agent(id).orElseThrow(() -> unknown(id));
        return agent(JSON.createObjectNode(), a);
    }

    private ObjectNode submit(ServerRequest req) {
        ControlPlane c = ControlApi.require(control);
        RequestBody b = RequestBody.read(req, SUBMIT_FIELDS, SUBMIT_EXAMPLE);
        String id = b.text("id", SUBMIT_EXAMPLE);
        String type = b.text("type", SUBMIT_EXAMPLE);
        String service = b.has("service") && !b.isNull("service") ? b.text("service", SUBMIT_EXAMPLE) : null;
        List<String> args = b.has("args") && !b.isNull("args") ? b.texts("args", AgentSpec.MAX_ARGS, SUBMIT_EXAMPLE)
                : List.of();
        checked("id", () -> new Mutation.Unassign(id));
        checked("type", () -> AgentSpec.of(type));
        if (service != null) {
            checked("service", () -> AgentSpec.of(type).onService(service));
        }
        AgentSpec spec = checked("args", () -> new AgentSpec(type, service, args));
        WriteResult w;
        try {
            w = c.agents().submit(id, spec);
        } catch (ControlException e) {
            if (e.reason() == ControlException.Reason.REJECTED && String.valueOf(e.getMessage()).contains("' exists")) {
                throw new ApiError(409, "agent exists", e.getMessage());
            }
            throw ControlApi.mapped(e, 409, "refused");
        }
        ObjectNode n = agent(JSON.createObjectNode(), new AgentInfo(id, spec, "", 0, AgentPhase.PENDING, "", "", null,
                w.version()));
        n.put("version", w.version());
        return n;
    }

    private ObjectNode stop(String id) {
        ControlPlane c = ControlApi.require(control);
        WriteResult w;
        try {
            w = c.agents().stop(id);
        } catch (ControlException e) {
            if (e.reason() == ControlException.Reason.REJECTED && String.valueOf(e.getMessage()).startsWith("no agent")) {
                throw unknown(id);
            }
            throw ControlApi.mapped(e, 409, "refused");
        }
        return JSON.createObjectNode().put("stopped", id).put("version", w.version());
    }

    private ObjectNode migrate(ServerRequest req) {
        ControlPlane c = ControlApi.require(control);
        String id = id(req);
        String node = RequestBody.read(req, Set.of("node"), MIGRATE_EXAMPLE).text("node", MIGRATE_EXAMPLE);
        checked("node", () -> new Mutation.MigrateAgent(id, node));
        WriteResult w;
        AgentInfo before;
        try {
            ControlState s = c.readLinearizable();
            before = s.agent(id).orElseThrow(() -> unknown(id));
            refuseMigration(s, before, node);
            w = c.agents().migrate(id, node);
        } catch (ControlException e) {
            throw ControlApi.mapped(e, 409, "cannot migrate");
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        n.put("node", before.placed() ? before.node() : null);
        n.put("migrate_to", node);
        n.put("version", w.version());
        return n;
    }

    /**
     * The state machine's and the leader's own rules for a migration, checked here first against
     * the state just read and this node's member list, so the usual refusals answer at once with
     * their reason; the write checks them again.
     */
    private void refuseMigration(ControlState s, AgentInfo a, String node) {
        String why = null;
        if (a.spec() == null || !a.placed()) {
            why = "agent '" + a.id() + "' is " + a.phase().jsonName() + "; only a placed agent with a runtime migrates";
        } else if (a.node().equals(node)) {
            why = "agent '" + a.id() + "' is on " + node + " already";
        } else if (cluster.member(node).map(m -> m.state() != MemberState.ALIVE).orElse(true)) {
            why = "cannot migrate agent '" + a.id() + "' to '" + node + "': no alive member of that name;"
                    + " GET /api/cluster/nodes lists them";
        } else if (s.status(node) != NodeStatus.ONLINE) {
            why = "node " + node + " is " + s.status(node).jsonName() + " and takes no agents";
        }
        if (why != null) {
            throw new ApiError(409, "cannot migrate", why);
        }
    }

    private ArrayNode local() {
        if (runtime == null) {
            throw new ApiError(503, "no agent runtime", "this node runs no agent runtime, so it runs no agents;"
                    + " GET /api/cluster/agents lists the cluster's");
        }
        ArrayNode list = JSON.createArrayNode();
        for (AgentRuntime.LocalAgent a : runtime.agents()) {
            list.addObject().put("id", a.id()).put("type", a.type()).put("epoch", a.epoch()).put("phase", a.phase());
        }
        return list;
    }

    /** The {id} path parameter; 400 when it breaks the name rule (no agent can have it). */
    private static String id(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        checked("id", () -> new Mutation.Unassign(id));
        return id;
    }

    /** Makes a value whose constructor checks a rule; a broken rule is a 400 naming the field. */
    private static <T> T checked(String field, Supplier<T> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("field '" + field + "': " + e.getMessage());
        }
    }

    private static ApiError unknown(String id) {
        return new ApiError(404, "unknown agent", "no agent '" + id + "'; GET /api/cluster/agents lists them");
    }

    /** The JSON of one agent. */
    static ObjectNode agent(ObjectNode n, AgentInfo a) {
        n.put("id", a.id());
        AgentSpec s = a.spec();
        n.put("type", s == null ? null : s.type());
        n.put("service", s == null ? null : s.service());
        ArrayNode args = n.putArray("args");
        if (s != null) {
            s.args().forEach(args::add);
        }
        n.put("node", a.placed() ? a.node() : null);
        n.put("epoch", a.epoch());
        n.put("phase", a.phase().jsonName());
        n.put("message", a.message());
        n.put("migrate_to", a.migrateTo().isEmpty() ? null : a.migrateTo());
        return n;
    }
}
