package dev.muster.membership;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Membership changes waiting to be gossiped, each sent a limited number of times
 * ({@code retransmitMultiplier * ceil(log10(N + 1))}), least-sent first and, among those sent
 * equally often, newest first (SWIM section 4.1, memberlist's TransmitLimitedQueue).
 *
 * <p>Entries sit in one FIFO bucket per transmit count; a fill takes from the lowest bucket,
 * newest end first. Instead of an index for invalidation, each entry remembers the member-table
 * slot and version it was true for, and a fill drops it once the slot has changed since (one
 * array read; a name lookup per entry cost most of a 10,000-node simulation).
 *
 * <p>Bounded: past {@code maxEntries} the most-sent, oldest entries are dropped. Not
 * thread-safe; confined to the node's loop thread.
 */
final class BroadcastQueue {

    /** How many entries that do not fit a packet a fill looks past before it gives up. */
    private static final int MAX_SKIPPED_PER_FILL = 32;

    /** Tells whether the fact queued for a slot at a version is still the newest. */
    @FunctionalInterface
    interface Currency {
        boolean isCurrent(int slot, int version);
    }

    private static final class Entry {
        final Message message;
        final int size;
        final int slot;
        final int version;
        int transmits;

        Entry(Message message, int slot, int version) {
            this.message = message;
            this.size = message.encodedSize();
            this.slot = slot;
            this.version = version;
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

    /** Queues a fact about the member in {@code slot}, true as of that slot's {@code version}. */
    void add(Message message, int slot, int version) {
        bucket(0).addLast(new Entry(message, slot, version));
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
    int fill(List<Message> out, int bytesBudget, int overheadPerMessage, int transmitLimit, Currency currency) {
        int used = 0;
        int skipped = 0;
        moved.clear();
        for (int t = 0; t < buckets.size() && skipped < MAX_SKIPPED_PER_FILL; t++) {
            ArrayDeque<Entry> bucket = buckets.get(t);
            if (bucket.isEmpty()) {
                continue; // most of the transmit-count buckets are empty most of the time: no iterator for them
            }
            Iterator<Entry> it = bucket.descendingIterator();
            while (it.hasNext()) {
                Entry e = it.next();
                if (e.transmits >= transmitLimit || !currency.isCurrent(e.slot, e.version)) {
                    it.remove();
                    size--;
                    continue;
                }
                int cost = e.size + overheadPerMessage;
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
