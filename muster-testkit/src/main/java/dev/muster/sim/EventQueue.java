package dev.muster.sim;

import java.util.Arrays;

/**
 * The simulator's pending events, earliest first, ties in the order they were added: a binary
 * min-heap over primitive arrays instead of a {@code PriorityQueue} of event objects.
 *
 * <p>Why: at 10,000 nodes the queue sees about 10^8 events. Each used to be an object (48 bytes
 * of garbage) and every comparison of the heap read two of them through a comparator. Here an
 * event's fields live in a pool of parallel arrays, reused through a free list, and the heap
 * orders pool handles by keys it keeps in its own arrays, so a sift touches only those.
 *
 * <p>Usage: {@link #add} returns nothing; {@link #poll} moves the earliest event's fields into
 * the {@code polled*} fields, valid until the next {@code poll}. Bounded by
 * {@link #MAX_EVENTS}; past it {@link #add} fails loudly rather than growing without end.
 *
 * <p>Not thread-safe; confined to the simulation thread.
 */
final class EventQueue {

    /** Most pending events; a run that needs more has a runaway timer or message loop. */
    static final int MAX_EVENTS = 1 << 28;

    // heap, position 0 is the earliest: the key (time, seq) and the pool handle
    private long[] heapTime = new long[1024];
    private long[] heapSeq = new long[1024];
    private int[] heapHandle = new int[1024];
    private int size;
    private long seq;

    // pool of event fields, indexed by handle
    private int[] kind = new int[1024];
    private int[] node = new int[1024];
    private Object[] from = new Object[1024];
    private Object[] to = new Object[1024];
    private Object[] payload = new Object[1024];
    private int[] free = new int[1024];
    private int freeCount;
    private int poolUsed;

    long polledTime;
    int polledKind;
    int polledNode;
    Object polledFrom;
    Object polledTo;
    Object polledPayload;

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** The earliest event's time; the queue must not be empty. */
    long peekTime() {
        return heapTime[0];
    }

    void add(long time, int eventKind, int eventNode, Object eventFrom, Object eventTo, Object eventPayload) {
        if (size == MAX_EVENTS) {
            throw new IllegalStateException("the simulator holds " + MAX_EVENTS
                    + " pending events, the limit: a timer or message loop runs away");
        }
        int h = allocate();
        kind[h] = eventKind;
        node[h] = eventNode;
        from[h] = eventFrom;
        to[h] = eventTo;
        payload[h] = eventPayload;
        if (size == heapTime.length) {
            int cap = size * 2;
            heapTime = Arrays.copyOf(heapTime, cap);
            heapSeq = Arrays.copyOf(heapSeq, cap);
            heapHandle = Arrays.copyOf(heapHandle, cap);
        }
        long s = seq++;
        int i = size++;
        while (i > 0) { // sift up
            int parent = (i - 1) >>> 1;
            long pt = heapTime[parent];
            if (pt < time || (pt == time && heapSeq[parent] < s)) {
                break;
            }
            heapTime[i] = pt;
            heapSeq[i] = heapSeq[parent];
            heapHandle[i] = heapHandle[parent];
            i = parent;
        }
        heapTime[i] = time;
        heapSeq[i] = s;
        heapHandle[i] = h;
    }

    /** Removes the earliest event into the {@code polled*} fields; the queue must not be empty. */
    void poll() {
        int h = heapHandle[0];
        polledTime = heapTime[0];
        polledKind = kind[h];
        polledNode = node[h];
        polledFrom = from[h];
        polledTo = to[h];
        polledPayload = payload[h];
        from[h] = null;
        to[h] = null;
        payload[h] = null;
        free[freeCount++] = h;
        int n = --size;
        if (n == 0) {
            return;
        }
        long time = heapTime[n];
        long s = heapSeq[n];
        int handle = heapHandle[n];
        int i = 0;
        int half = n >>> 1;
        while (i < half) { // sift down
            int c = 2 * i + 1;
            long ct = heapTime[c];
            long cs = heapSeq[c];
            int r = c + 1;
            if (r < n) {
                long rt = heapTime[r];
                if (rt < ct || (rt == ct && heapSeq[r] < cs)) {
                    c = r;
                    ct = rt;
                    cs = heapSeq[r];
                }
            }
            if (time < ct || (time == ct && s < cs)) {
                break;
            }
            heapTime[i] = ct;
            heapSeq[i] = cs;
            heapHandle[i] = heapHandle[c];
            i = c;
        }
        heapTime[i] = time;
        heapSeq[i] = s;
        heapHandle[i] = handle;
    }

    private int allocate() {
        if (freeCount > 0) {
            return free[--freeCount];
        }
        if (poolUsed == kind.length) {
            int cap = poolUsed * 2;
            kind = Arrays.copyOf(kind, cap);
            node = Arrays.copyOf(node, cap);
            from = Arrays.copyOf(from, cap);
            to = Arrays.copyOf(to, cap);
            payload = Arrays.copyOf(payload, cap);
            free = Arrays.copyOf(free, cap);
        }
        return poolUsed++;
    }
}
