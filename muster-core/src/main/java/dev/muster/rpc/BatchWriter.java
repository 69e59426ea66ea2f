package dev.muster.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Write batching for one connection: frames offered from any thread queue up, and one task on
 * the channel's loop writes all that are queued with a single flush, so 64 callers cost one
 * system call per loop turn instead of 64. Thread-safe.
 */
final class BatchWriter {

    private final Channel channel;
    private final ConcurrentLinkedQueue<ByteBuf> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;

    BatchWriter(Channel channel) {
        this.channel = channel;
    }

    void offer(ByteBuf frame) {
        queue.add(frame);
        kick();
    }

    /** Writes what is queued soon: after an offer, and once a connecting channel is connected. */
    void kick() {
        if (scheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(drain);
        }
    }

    private void drain() {
        scheduled.set(false);
        if (!channel.isActive() && channel.isOpen()) {
            return; // still connecting: the connect listener kicks again
        }
        boolean wrote = false;
        ByteBuf f;
        while ((f = queue.poll()) != null) {
            if (channel.isActive()) {
                channel.write(f, channel.voidPromise());
                wrote = true;
            } else {
                f.release();
            }
        }
        if (wrote) {
            channel.flush();
        }
    }

    /** Drops what is queued (the channel closed). */
    void discard() {
        ByteBuf f;
        while ((f = queue.poll()) != null) {
            f.release();
        }
    }
}
