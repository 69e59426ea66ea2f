package dev.muster.agents;

import java.nio.ByteBuffer;

/**
 * The built-in {@code counter} type: counts the seconds it has run, across migrations (its count
 * is its snapshot). Costs nothing while it runs: the count is computed from the clock.
 */
public final class CounterAgent implements Agent {

    /** Its type name. */
    public static final String TYPE = "counter";

    private long before;
    private long startedNanos;

    @Override
    public void start(AgentContext context) {
        byte[] r = context.restored();
        before = r.length == Long.BYTES ? ByteBuffer.wrap(r).getLong() : 0;
        startedNanos = System.nanoTime();
    }

    /** Seconds run in all, on every node it was on. */
    public long seconds() {
        return before + (System.nanoTime() - startedNanos) / 1_000_000_000L;
    }

    @Override
    public void stop() {}

    @Override
    public byte[] snapshot() {
        return ByteBuffer.allocate(Long.BYTES).putLong(seconds()).array();
    }
}
