package dev.muster.control;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs tasks one at a time, in the order given, on a shared executor: listeners of one control
 * plane see events in order without a thread of their own. At most {@value #MAX_BACKLOG} tasks
 * wait; past that new ones are dropped (a listener that far behind is stuck). Thread-safe.
 */
final class SerialExecutor implements Executor {

    static final int MAX_BACKLOG = 10_000;

    private final Executor pool;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean running;

    SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (queue) {
            if (queue.size() >= MAX_BACKLOG) {
                return;
            }
            queue.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        pool.execute(this::drain);
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (queue) {
                next = queue.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            next.run();
        }
    }
}
