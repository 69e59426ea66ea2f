package dev.muster.membership;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Membership changes waiting to be gossiped, each sent a limited number of times
 * ({@code retransmitMultiplier * ceil(log10(N + 1))}), least-sent first and, among those sent
 * equally often, newest first (SWIM section 4.1, memberlist's TransmitLimitedQueue).
 *
 * <p>Entries sit in one FIFO bucket per transmit count; a fill takes from the lowest bucket,
 * newest end first. Instead of an index for invalidation, a fill asks the caller whether an entry
 * is still current ({@code stillCurrent}) and drops it if a newer fact about the same member has
 * replaced it. That keeps an entry at two fields, which matters when a simulator holds 10,000
 * nodes' queues in one heap.
 *
 * <p>Bounded: past {@code maxEntries} the most-sent, oldest entries are dropped. Not
 * thread-safe; confined to the node's loop thread.
 */
final class BroadcastQueue {

    /** How many entries that do not fit a packet a fill looks past before it gives up. */
    private static final int MAX_SKIPPED_PER_FILL = 32;

    private static final class Entry {
        final Message message;
        int transmits;

        Entry(Message message) {
            this.message = message;
        }
    }

    private final int maxEntries;
    private final List<ArrayDeque<Entry>> buckets = new ArrayList<>();
    private final ArrayList<Entry> moved = new ArrayList<>();
    private int size;
    private long dropped;

    BroadcastQueue(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    void add(Message message) {
        bucket(0).addLast(new Entry(message));
        size++;
        if (size > maxEntries) {
            dropMostSent();
        }
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Entries dropped because the queue was full. */
    long dropped() {
        return dropped;
    }

    /** True if {@code message} (the same instance) is still queued. Linear; for leave only. */
    boolean contains(Message message) {
        for (ArrayDeque<Entry> b : buckets) {
            for (Entry e : b) {
                if (e.message == message) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Moves entries that fit into {@code bytesBudget} into {@code out}, counting one transmit
     * each, and forgets those sent {@code transmitLimit} times or no longer current.
     *
     * @param overheadPerMessage framing bytes each message costs in the packet
     * @return bytes used
     */
    int fill(List<Message> out, int bytesBudget, int overheadPerMessage, int transmitLimit,
             Predicate<Message> stillCurrent) {
        int used = 0;
        int skipped = 0;
        moved.clear();
        for (int t = 0; t < buckets.size() && skipped < MAX_SKIPPED_PER_FILL; t++) {
            ArrayDeque<Entry> bucket = buckets.get(t);
            Iterator<Entry> it = bucket.descendingIterator();
            while (it.hasNext()) {
                Entry e = it.next();
                if (e.transmits >= transmitLimit || !stillCurrent.test(e.message)) {
                    it.remove();
                    size--;
                    continue;
                }
                int cost = e.message.encodedSize() + overheadPerMessage;
                if (used + cost > bytesBudget) {
                    if (++skipped >= MAX_SKIPPED_PER_FILL) {
                        break;
                    }
                    continue;
                }
                it.remove();
                used += cost;
                out.add(e.message);
                e.transmits++;
                if (e.transmits < transmitLimit) {
                    moved.add(e);
                } else {
                    size--;
                }
            }
        }
        for (Entry e : moved) {
            bucket(e.transmits).addLast(e);
        }
        moved.clear();
        return used;
    }

    private ArrayDeque<Entry> bucket(int transmits) {
        while (buckets.size() <= transmits) {
            buckets.add(new ArrayDeque<>());
        }
        return buckets.get(transmits);
    }

    private void dropMostSent() {
        for (int t = buckets.size() - 1; t >= 0; t--) {
            ArrayDeque<Entry> b = buckets.get(t);
            if (!b.isEmpty()) {
                b.pollFirst();
                size--;
                dropped++;
                return;
            }
        }
    }
}
