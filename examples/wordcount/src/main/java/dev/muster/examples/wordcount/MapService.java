package dev.muster.examples.wordcount;

import dev.muster.services.CallContext;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import dev.muster.services.ServiceHandler;
import java.util.HashMap;
import java.util.Map;

/**
 * The map task: counts the words of the chunk in the request and answers the partial counts
 * ({@code word TAB count} lines). Register it under {@value #SERVICE} on every node that should
 * take part, for example {@code muster serve --service wordcount=dev.muster.examples.wordcount.MapService}.
 * Idempotent, so the coordinator may run a chunk again elsewhere. Thread-safe.
 */
public final class MapService implements ServiceHandler {

    public static final String SERVICE = "wordcount";
    /** The reply header naming the node that ran the chunk. */
    public static final String NODE_HEADER = "node";

    @Override
    public Reply handle(Request request, CallContext context) {
        Map<String, Long> counts = new HashMap<>();
        Words.addTo(counts, request.payload(), 0, request.payload().length);
        return new Reply(Words.encode(counts), Map.of(NODE_HEADER, context.node()));
    }
}
