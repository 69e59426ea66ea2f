package dev.muster.examples.echocounter;

import dev.muster.Durations;
import dev.muster.services.CallContext;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import dev.muster.services.RpcException;
import dev.muster.services.ServiceHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Sleeps for the duration its payload names ({@code 500ms}, {@code 2s}, {@code 1m30s}), but not
 * past the caller's deadline nor {@link #MAX_SLEEP}, then answers {@code slept 2s}: a call that
 * stays pending for as long as one likes, for trying deadlines and what happens to a call whose
 * node dies. Stateless and thread-safe (each call sleeps on its own virtual thread).
 */
public final class SlowService implements ServiceHandler {

    /** Longest sleep: a forgotten call must not hold a thread for ever. */
    public static final Duration MAX_SLEEP = Duration.ofMinutes(10);

    @Override
    public Reply handle(Request request, CallContext context) throws InterruptedException {
        String text = new String(request.payload(), StandardCharsets.UTF_8).strip();
        Duration asked;
        try {
            asked = Durations.parse("slow: the payload", text);
        } catch (IllegalArgumentException e) {
            throw new RpcException(RpcException.Kind.CODEC, e.getMessage());
        }
        Duration sleep = asked.compareTo(MAX_SLEEP) > 0 ? MAX_SLEEP : asked;
        Duration left = context.remaining();
        if (left.compareTo(sleep) < 0) {
            sleep = left.isNegative() ? Duration.ZERO : left;
        }
        Thread.sleep(sleep);
        return Reply.of(("slept " + Durations.format(sleep)).getBytes(StandardCharsets.UTF_8));
    }
}
