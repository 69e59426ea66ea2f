package dev.muster.node;

import dev.muster.MemberEvent;
import dev.muster.Subscription;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands member events from the node's event loop to user listeners, which run on an executor
 * (never on the loop, which must not run user code), one event at a time and in order per node.
 *
 * <p>The default executor is one pool shared by every node of the JVM, whose threads end after
 * {@link #IDLE_SECONDS} idle, so a node at rest owns no thread. The backlog is bounded at
 * {@link #MAX_BACKLOG} events; past it events are dropped and counted, and a warning is logged
 * once, because a listener that slow is a bug the operator should see.
 *
 * <p>Thread-safe: {@link #publish} is called on the loop, {@link #subscribe} from any thread.
 */
final class EventDispatch {

    /** Events waiting for slow listeners; a burst of 10,000 joins fits. */
    static final int MAX_BACKLOG = 100_000;
    static final int IDLE_SECONDS = 30;

    private static final Logger log = LoggerFactory.getLogger(EventDispatch.class);
    static final Executor SHARED = new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_SECONDS, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "muster-events");
                t.setDaemon(true);
                return t;
            });

    private final String nodeName;
    private final Executor executor;
    private final java.util.function.BooleanSupplier onLoop;
    private final List<Consumer<MemberEvent>> listeners = new CopyOnWriteArrayList<>();
    private final ArrayDeque<MemberEvent> backlog = new ArrayDeque<>();
    private boolean draining;
    private long dropped;

    /**
     * @param executor where listeners run; null for the shared pool
     * @param onLoop true when called on the node's event loop: a listener found there (an
     *     executor that runs tasks in the caller's thread) is moved to the shared pool, because
     *     the loop never runs user code
     */
    EventDispatch(String nodeName, Executor executor, java.util.function.BooleanSupplier onLoop) {
        this.nodeName = nodeName;
        this.executor = executor == null ? SHARED : executor;
        this.onLoop = onLoop;
    }

    Subscription subscribe(Consumer<MemberEvent> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    void publish(MemberEvent event) {
        if (listeners.isEmpty()) {
            return;
        }
        boolean start;
        synchronized (backlog) {
            if (backlog.size() >= MAX_BACKLOG) {
                if (dropped++ == 0) {
                    log.warn("node {}: listeners are {} events behind; dropping events (a listener is too slow or blocked)",
                            nodeName, MAX_BACKLOG);
                }
                return;
            }
            backlog.add(event);
            start = !draining;
            draining = true;
        }
        if (start) {
            try {
                executor.execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException ex) {
                synchronized (backlog) {
                    dropped += backlog.size();
                    backlog.clear();
                    draining = false;
                }
                log.warn("node {}: the listener executor refused work ({}); events dropped", nodeName, ex.toString());
            }
        }
    }

    private void drain() {
        if (onLoop.getAsBoolean()) {
            SHARED.execute(this::drain);
            return;
        }
        while (true) {
            MemberEvent e;
            synchronized (backlog) {
                e = backlog.poll();
                if (e == null) {
                    draining = false;
                    return;
                }
            }
            for (Consumer<MemberEvent> l : listeners) {
                try {
                    l.accept(e);
                } catch (VirtualMachineError fatal) {
                    throw fatal;
                } catch (Throwable ex) { // an AssertionError in one listener must not stop all events
                    log.warn("node {}: a member event listener threw on {}", nodeName, e, ex);
                }
            }
        }
    }

    long dropped() {
        synchronized (backlog) {
            return dropped;
        }
    }
}
