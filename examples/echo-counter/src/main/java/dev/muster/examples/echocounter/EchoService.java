package dev.muster.examples.echocounter;

import dev.muster.Cluster;
import dev.muster.services.CallContext;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import dev.muster.services.ServiceHandler;
import java.util.HashMap;
import java.util.Map;

/**
 * Answers every call with its payload, and its {@code content-type} header if it had one. Made
 * with its node, it also adds the header {@link #NODE_HEADER}: the name of the node that served
 * the call, which shows how calls spread over the instances.
 *
 * <p>{@code muster serve --service echo=dev.muster.examples.echocounter.EchoService} makes it with
 * the node it serves on. Stateless and thread-safe.
 */
public final class EchoService implements ServiceHandler {

    /** The reply header naming the serving node. */
    public static final String NODE_HEADER = "node";

    private final String node; // null: made without a node, no header

    /** An echo that does not say where it runs. */
    public EchoService() {
        this.node = null;
    }

    /** An echo that names {@code node} in every reply. */
    public EchoService(Cluster node) {
        this.node = node.localMember().name();
    }

    @Override
    public Reply handle(Request request, CallContext context) {
        Map<String, String> headers = new HashMap<>();
        String type = request.headers().get("content-type");
        if (type != null) {
            headers.put("content-type", type);
        }
        if (node != null) {
            headers.put(NODE_HEADER, node);
        }
        return new Reply(request.payload(), headers);
    }
}
