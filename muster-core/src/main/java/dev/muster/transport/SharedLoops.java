package dev.muster.transport;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The event loops that every node in this JVM shares: one group of {@link #THREADS} daemon
 * threads, started with the first node and stopped with the last. Each node takes one loop and
 * keeps it, so a node's sockets, timers and protocol state live on one thread, and 50 embedded
 * nodes cost 2 threads, not 50 (threads per member starve a 2-core host).
 *
 * <p>Thread-safe.
 */
public final class SharedLoops {

    /** Loop threads: one per core, at least 2, so one busy node does not stall all the others. */
    public static final int THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

    private static EventLoopGroup group;
    private static int users;

    private SharedLoops() {}

    /** Takes one loop of the shared group for a new node; pair with {@link #release()}. */
    public static synchronized EventLoop acquire() {
        if (group == null) {
            group = new NioEventLoopGroup(THREADS, new DefaultThreadFactory("muster-loop", true));
        }
        users++;
        return group.next();
    }

    /** A node closed: the group stops when no node uses it any more. */
    public static synchronized void release() {
        if (users <= 0) {
            throw new IllegalStateException("SharedLoops.release() without a matching acquire()");
        }
        if (--users == 0) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            group = null;
        }
    }
}
