package dev.muster.examples.echocounter;

import dev.muster.services.CallContext;
import dev.muster.services.JsonCodec;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import dev.muster.services.RpcException;
import dev.muster.services.ServiceCodec;
import dev.muster.services.ServiceHandler;
import dev.muster.services.TypedHandler;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A counter kept on the node that serves it (nothing is replicated: another node's counter is
 * another count). Requests are JSON, {@code {"op": "add", "delta": 5}} or {@code {"op": "get"}},
 * each answered {@code {"value": n}}, the count after it.
 *
 * <p>Two faces on the same count: {@link #typed()} for
 * {@code services().register("counter", CounterService.Op.class, counter.typed(), Map.of())},
 * where the node's codec decodes and encodes; and this class itself as a bytes
 * {@link ServiceHandler}, for {@code muster serve --service counter=...CounterService}.
 * Thread-safe: one atomic count.
 */
public final class CounterService implements ServiceHandler {

    /** What a request asks: {@code add} {@code delta} (negative subtracts), or {@code get}. */
    public record Op(String op, long delta) {
        public static Op add(long delta) {
            return new Op("add", delta);
        }

        public static Op get() {
            return new Op("get", 0);
        }
    }

    /** The count after a request. */
    public record Value(long value) {}

    private static final String EXAMPLE = "send {\"op\": \"add\", \"delta\": 1} or {\"op\": \"get\"}";

    private final AtomicLong count = new AtomicLong();
    private final ServiceCodec codec = new JsonCodec();

    /**
     * Applies one request.
     *
     * @throws IllegalArgumentException for an op that is neither add nor get
     */
    public Value apply(Op op) {
        return switch (op.op() == null ? "" : op.op()) {
            case "add" -> new Value(count.addAndGet(op.delta()));
            case "get" -> new Value(count.get());
            default -> throw new IllegalArgumentException("counter: op '" + op.op() + "' is unknown; " + EXAMPLE);
        };
    }

    /** The counter as a handler of objects (a bad op reaches the caller as a REMOTE error). */
    public TypedHandler<Op, Value> typed() {
        return (op, context) -> apply(op);
    }

    /** The counter over bytes: a payload that is no op is a CODEC error, which the REST API answers 400. */
    @Override
    public Reply handle(Request request, CallContext context) {
        try {
            return Reply.of(codec.encode(apply(codec.decode(request.payload(), Op.class))));
        } catch (IllegalArgumentException e) {
            String why = e.getMessage().lines().findFirst().orElse(""); // Jackson adds a line of source location
            throw new RpcException(RpcException.Kind.CODEC, why.startsWith("counter:") ? why
                    : "counter: " + why + "; " + EXAMPLE);
        }
    }
}
