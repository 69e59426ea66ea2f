package dev.muster.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.Member;
import dev.muster.transport.FaultFilter;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;

/**
 * The fault-injection endpoints of a node started with {@code --faults} ({@code faults.enabled}):
 * per-peer rules of the node's {@link FaultFilter}, for partition and chaos tests across
 * processes. A rule applies both ways at this node unless {@code direction} is {@code out} (only
 * what this node sends to the peer, and its connections) or {@code in} (only what it receives);
 * an {@code out} black hole on one side alone is an asymmetric cut. A black hole (or drop rate 1) cuts the
 * peer's gossip and its Raft traffic with this node, so a partition is a black hole set on both
 * sides of every pair across the cut.
 *
 * <pre>
 * GET    /api/faults          200 {"enabled", "rules": [{"peer","drop_rate","delay_ms","jitter_ms","blackhole","direction"}]}
 * POST   /api/faults          {"peer": "127.0.0.1:7956" | "node-3", "blackhole": true, "drop_rate": 0.3,
 *                             "delay_ms": 200, "jitter_ms": 50, "direction": "both|out|in"} (peer and at
 *                             least one of blackhole, drop_rate, delay_ms; jitter_ms goes with delay_ms):
 *                             200 the peer's rule
 * DELETE /api/faults          heal every peer: 200 {"healed": n}
 * DELETE /api/faults/{peer}   heal one peer: 200 {"peer", "healed": 0|1}
 * </pre>
 *
 * A peer is the host:port of its gossip address (address and gossip_port in
 * /api/cluster/nodes), or a member's name. Errors: 400 for a malformed body, a missing peer, an
 * unknown field or a value out of range; 404 for a name that is no member; 409 on a node without
 * fault injection. Every check runs before a rule changes, so a bad request changes nothing.
 *
 * <p>Thread-safe: it holds no state of its own; the filter and the cluster are thread-safe.
 */
final class FaultApi {

    /** Longest delay a rule may add, in milliseconds: {@link FaultFilter#MAX_DELAY}. */
    static final long MAX_DELAY_MS = FaultFilter.MAX_DELAY.toMillis();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RULE_EXAMPLE = "{\"peer\": \"127.0.0.1:7956\", \"blackhole\": true}"
            + " (or \"drop_rate\": 0..1, \"delay_ms\": 0.." + MAX_DELAY_MS + ", \"jitter_ms\": 0..delay_ms, \"direction\": \"both\"|\"out\"|\"in\";"
            + " peer may be a member name)";
    private static final Set<String> RULE_FIELDS = Set.of("peer", "blackhole", "drop_rate", "delay_ms", "jitter_ms",
            "direction");

    private final Cluster cluster;

    FaultApi(Cluster cluster) {
        this.cluster = cluster;
    }

    void routes(HttpRouting.Builder r) {
        r.get("/api/faults", (req, res) -> NodeServer.answer(res, this::list))
                .post("/api/faults", (req, res) -> NodeServer.answer(res, () -> set(req)))
                .delete("/api/faults", (req, res) -> NodeServer.answer(res, this::healAll))
                .delete("/api/faults/{peer}", (req, res) -> NodeServer.answer(res, () -> heal(req)));
    }

    /** The node's filter, or null when fault injection is off. */
    private FaultFilter filterOrNull() {
        try {
            return cluster.faults();
        } catch (IllegalStateException off) {
            return null;
        }
    }

    private FaultFilter filter() {
        FaultFilter f = filterOrNull();
        if (f == null) {
            throw new ApiError(409, "fault injection is off", "start the node with --faults");
        }
        return f;
    }

    private ObjectNode list() {
        FaultFilter f = filterOrNull();
        ObjectNode n = JSON.createObjectNode();
        n.put("enabled", f != null);
        ArrayNode rules = n.putArray("rules");
        if (f != null) {
            f.rules().entrySet().stream()
                    .sorted(Comparator.comparing((Map.Entry<Address, FaultFilter.Rule> e) -> e.getKey().toString()))
                    .forEach(e -> rule(rules.addObject(), e.getKey(), e.getValue()));
        }
        return n;
    }

    private ObjectNode set(ServerRequest req) {
        FaultFilter f = filter();
        RequestBody body = RequestBody.read(req, RULE_FIELDS, RULE_EXAMPLE);
        Address peer = peer(body.text("peer", RULE_EXAMPLE));
        Boolean blackhole = body.has("blackhole") ? body.bool("blackhole", RULE_EXAMPLE) : null;
        Double dropRate = body.has("drop_rate") ? body.number("drop_rate", RULE_EXAMPLE) : null;
        Duration delay = body.has("delay_ms") ? delay("delay_ms", body.number("delay_ms", RULE_EXAMPLE)) : null;
        Duration jitter = body.has("jitter_ms") ? delay("jitter_ms", body.number("jitter_ms", RULE_EXAMPLE)) : Duration.ZERO;
        if (!jitter.isZero() && (delay == null || jitter.compareTo(delay) > 0)) {
            throw ApiError.badRequest("jitter_ms (" + jitter.toMillis() + ") needs a delay_ms at least as large in the same"
                    + " request; send " + RULE_EXAMPLE);
        }
        FaultFilter.Direction direction;
        try {
            direction = FaultFilter.Direction.parse(body.has("direction") ? body.text("direction", RULE_EXAMPLE) : "both");
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage() + "; send " + RULE_EXAMPLE);
        }
        if (blackhole == null && dropRate == null && delay == null) {
            throw ApiError.badRequest("give at least one of blackhole, drop_rate, delay_ms; send " + RULE_EXAMPLE);
        }
        if (dropRate != null && !(dropRate >= 0 && dropRate <= 1)) {
            throw ApiError.badRequest("drop_rate (" + dropRate + ") must be between 0 and 1; send " + RULE_EXAMPLE);
        }
        if (Boolean.TRUE.equals(blackhole) && dropRate != null && dropRate < 1) {
            throw ApiError.badRequest("a black hole drops everything, so drop_rate (" + dropRate
                    + ") must be 1 or left out; send one or the other");
        }
        // Everything is checked: now change the rule. The delay first, as drop and blackhole keep it.
        if (delay != null) {
            f.delay(peer, delay, jitter);
        }
        if (dropRate != null || Boolean.FALSE.equals(blackhole)) {
            f.drop(peer, dropRate == null ? 0 : dropRate); // a drop rate ends a black hole
        }
        if (Boolean.TRUE.equals(blackhole)) {
            f.blackhole(peer);
        }
        f.direct(peer, direction);
        FaultFilter.Rule now = f.rules().get(peer);
        return rule(JSON.createObjectNode(), peer,
                now == null ? new FaultFilter.Rule(0, Duration.ZERO, false) : now);
    }

    private ObjectNode healAll() {
        FaultFilter f = filter();
        int n = f.rules().size();
        f.healAll();
        return JSON.createObjectNode().put("healed", n);
    }

    private ObjectNode heal(ServerRequest req) {
        FaultFilter f = filter();
        Address peer = peer(req.path().pathParameters().get("peer"));
        boolean had = f.rules().containsKey(peer);
        f.heal(peer);
        return JSON.createObjectNode().put("peer", peer.toString()).put("healed", had ? 1 : 0);
    }

    /**
     * A peer given as host:port (any address, member or not) or as a member's name (its gossip
     * address); 404 for a name that is no member.
     */
    private Address peer(String text) {
        if (text.indexOf(':') >= 0) {
            try {
                return Address.parse(text);
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("peer: " + e.getMessage() + ", or a member's name");
            }
        }
        return cluster.member(text).map(Member::address).orElseThrow(() -> new ApiError(404, "unknown node",
                "no member named '" + text + "'; GET /api/cluster/nodes lists them (or give the peer as host:port)"));
    }

    private static Duration delay(String field, double ms) {
        if (!(ms >= 0 && ms <= MAX_DELAY_MS) || ms != Math.rint(ms)) {
            throw ApiError.badRequest(field + " (" + ms + ") must be a whole number of milliseconds between 0 and "
                    + MAX_DELAY_MS + "; send " + RULE_EXAMPLE);
        }
        return Duration.ofMillis((long) ms);
    }

    private static ObjectNode rule(ObjectNode n, Address peer, FaultFilter.Rule r) {
        n.put("peer", peer.toString());
        n.put("drop_rate", r.dropRate());
        n.put("delay_ms", r.delay().toMillis());
        n.put("jitter_ms", r.jitter().toMillis());
        n.put("blackhole", r.blackhole());
        n.put("direction", r.direction().jsonName());
        return n;
    }
}
