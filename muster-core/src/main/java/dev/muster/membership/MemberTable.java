package dev.muster.membership;

import dev.muster.Member;
import dev.muster.MemberState;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * One node's view of every member: identity (the last accepted alive message), incarnation,
 * state, when the state last changed and whether the entry is a tombstone.
 *
 * <p>Stored as parallel arrays indexed by a slot number, with an open-addressing (linear probing,
 * backward-shift deletion) index from name to slot. A simulator keeps 10,000 of these tables of
 * 10,000 members each in one heap; one object per member would need several times the memory.
 *
 * <p>Also holds the probe order: a shuffled list of slots walked round-robin, reshuffled when a
 * round ends, new members inserted at a random place (SWIM section 4.3).
 *
 * <p>Not thread-safe; confined to the node's loop thread.
 */
final class MemberTable {

    private static final byte TOMBSTONE_FLAG = (byte) 0x80;

    private long[] index = new long[16];      // (mixed hash << 32) | (slot + 1); 0 = empty
    // identity[slot] at the slot's index position: the "seen this very message" check of gossip
    // reads one array instead of the index and then the identity (two cache misses per fact)
    private Message.Alive[] indexIdentity = new Message.Alive[16];
    private Message.Alive[] identity = new Message.Alive[8];
    // Bumped on every change of the slot. Compared only for equality, by queue entries that live
    // seconds, so wrapping around after 2^32 changes is harmless; int halves the memory.
    private int[] versions = new int[8];
    private int[] identityBytes = new int[8];  // identity[slot].encodedSize(), kept flat for push-pull sizes
    private int versionCounter;
    private int warmedHits; // only so that the loads of warm() are kept
    private int[] incarnation = new int[8];
    private byte[] state = new byte[8];        // MemberState ordinal | TOMBSTONE_FLAG
    private long[] changedAtNanos = new long[8];
    private int[] freeSlots = new int[8];
    private int freeCount;
    private int highWater;                     // slots [0, highWater) have been used
    private int size;
    private int aliveCount;
    private int tombstoneCount;

    private int[] probeOrder = new int[8];
    private int probeOrderLength;
    private int probeCursor;

    private static final MemberState[] STATES = MemberState.values();

    int size() {
        return size;
    }

    /** Members in state ALIVE, this node included. */
    int aliveCount() {
        return aliveCount;
    }

    /** Members that are not tombstones: what the node lists and gossips about. */
    int listedCount() {
        return size - tombstoneCount;
    }

    /** Slots in use lie below this bound. */
    int highWater() {
        return highWater;
    }

    boolean inUse(int slot) {
        return identity[slot] != null;
    }

    /**
     * True if this very message object is some member's identity: a fact that arrives again,
     * as gossip brings each one many times. Usually one cache miss; a false answer costs a scan
     * to the next empty index position (mostly the same cache line).
     */
    boolean holdsIdentity(Message.Alive alive) {
        Message.Alive[] ids = indexIdentity;
        int mask = ids.length - 1;
        for (int i = mix(alive.name().hashCode()) & mask; ; i = (i + 1) & mask) {
            Message.Alive candidate = ids[i];
            if (candidate == alive) {
                return true;
            }
            if (candidate == null) {
                return false;
            }
        }
    }

    /**
     * Loads the index line where a check of {@code alive} (and a lookup of its name) starts,
     * and the message's own name, so that the check itself finds them in cache. Used in a pass
     * ahead of a batch of facts: this loop has no dependencies from one fact to the next, so
     * the processor overlaps its cache misses, which the full handling of each fact cannot.
     * Changes nothing.
     */
    void warm(Message.Alive alive) {
        int h = mix(alive.name().hashCode());
        if (indexIdentity[h & (indexIdentity.length - 1)] == alive) {
            warmedHits++; // read, so the load is not optimised away
        }
    }

    /** Like {@link #warm(Message.Alive)}, for a lookup of {@code name}. */
    void warm(String name) {
        int h = mix(name.hashCode());
        if (index[h & (index.length - 1)] == 0) {
            warmedHits++;
        }
    }

    /** The slot of the member named {@code name}, or -1. */
    int find(String name) {
        int h = mix(name.hashCode());
        int mask = index.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            long v = index[i];
            if (v == 0) {
                return -1;
            }
            if ((int) (v >>> 32) == h) {
                int slot = (int) v - 1;
                String candidate = identity[slot].name();
                if (candidate == name || candidate.equals(name)) {
                    return slot;
                }
            }
        }
    }

    /**
     * A number that changes whenever anything about the slot changes, and is never reused, so
     * a queued fact can tell in one array read whether it is still the newest.
     */
    int version(int slot) {
        return versions[slot];
    }

    private void touch(int slot) {
        versions[slot] = ++versionCounter;
    }

    /**
     * Makes room for {@code members} in all, so a full member list (a join reply, a push-pull)
     * is merged without growing the arrays step by step: at 10,000 members a table grew 1.5x
     * some twenty times, and the copies were a large share of a 10,000-node simulation's garbage.
     */
    void ensureCapacity(int members) {
        int indexCapacity = index.length;
        while (members * 4 > indexCapacity * 3) {
            indexCapacity *= 2;
        }
        if (indexCapacity != index.length) {
            rehash(indexCapacity);
        }
        if (members > identity.length) {
            // at least 1.5x: the three join replies of a join storm ask for slightly more each
            resize(Math.max(members, identity.length + (identity.length >> 1)));
        }
    }

    private void resize(int cap) {
        identity = Arrays.copyOf(identity, cap);
        versions = Arrays.copyOf(versions, cap);
        identityBytes = Arrays.copyOf(identityBytes, cap);
        incarnation = Arrays.copyOf(incarnation, cap);
        state = Arrays.copyOf(state, cap);
        changedAtNanos = Arrays.copyOf(changedAtNanos, cap);
    }

    int add(Message.Alive alive, int inc, MemberState st, long nowNanos) {
        if ((size + 1) * 4 > index.length * 3) { // load factor 0.75: linear probing stays short
            rehash(index.length * 2);
        }
        int slot;
        if (freeCount > 0) {
            slot = freeSlots[--freeCount];
        } else {
            slot = highWater++;
            if (slot == identity.length) {
                resize(identity.length + (identity.length >> 1)); // 1.5x: 10,000 views of 10,000 members must fit one heap
            }
        }
        identity[slot] = alive;
        identityBytes[slot] = alive.encodedSize();
        incarnation[slot] = inc;
        state[slot] = (byte) st.ordinal();
        changedAtNanos[slot] = nowNanos;
        touch(slot);
        if (st == MemberState.ALIVE) {
            aliveCount++;
        }
        size++;
        insertIndex(slot);
        return slot;
    }

    void remove(int slot) {
        int mask = index.length - 1;
        int i = indexPosition(slot);
        // backward-shift deletion keeps every probe sequence unbroken
        int hole = i;
        for (int j = (hole + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
            int home = (int) (index[j] >>> 32) & mask;
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                index[hole] = index[j];
                indexIdentity[hole] = indexIdentity[j];
                hole = j;
            }
        }
        index[hole] = 0;
        indexIdentity[hole] = null;
        if (state(slot) == MemberState.ALIVE) {
            aliveCount--;
        }
        if (isTombstone(slot)) {
            tombstoneCount--;
        }
        identity[slot] = null;
        touch(slot);
        size--;
        if (freeCount == freeSlots.length) {
            freeSlots = Arrays.copyOf(freeSlots, freeSlots.length * 2);
        }
        freeSlots[freeCount++] = slot;
    }

    Message.Alive identity(int slot) {
        return identity[slot];
    }

    void setIdentity(int slot, Message.Alive alive) {
        indexIdentity[indexPosition(slot)] = alive;
        identity[slot] = alive; // same name: the index stays valid
        identityBytes[slot] = alive.encodedSize();
        touch(slot);
    }

    /** {@code identity(slot).encodedSize()}, without reading the identity. */
    int identityBytes(int slot) {
        return identityBytes[slot];
    }

    int incarnation(int slot) {
        return incarnation[slot];
    }

    void setIncarnation(int slot, int inc) {
        incarnation[slot] = inc;
        touch(slot);
    }

    MemberState state(int slot) {
        return STATES[state[slot] & 0x7F];
    }

    boolean isTombstone(int slot) {
        return (state[slot] & TOMBSTONE_FLAG) != 0;
    }

    void markTombstone(int slot) {
        if (!isTombstone(slot)) {
            state[slot] |= TOMBSTONE_FLAG;
            tombstoneCount++;
        }
    }

    /** Sets the state (clearing the tombstone flag) and the change time. */
    void setState(int slot, MemberState st, long nowNanos) {
        MemberState old = state(slot);
        if (old == MemberState.ALIVE) {
            aliveCount--;
        }
        if (st == MemberState.ALIVE) {
            aliveCount++;
        }
        if (isTombstone(slot)) {
            tombstoneCount--;
        }
        state[slot] = (byte) st.ordinal();
        changedAtNanos[slot] = nowNanos;
        touch(slot);
    }

    long changedAtNanos(int slot) {
        return changedAtNanos[slot];
    }

    Member snapshot(int slot) {
        Message.Alive a = identity[slot];
        return new Member(a.name(), a.address(), incarnation[slot], state(slot), a.metadata());
    }

    // ---- probe order ----

    /** Inserts a slot at a random place of the probe order. */
    void addToProbeOrder(int slot, RandomGenerator random) {
        if (probeOrderLength == probeOrder.length) {
            probeOrder = Arrays.copyOf(probeOrder, probeOrder.length * 2);
        }
        probeOrder[probeOrderLength] = slot;
        int j = random.nextInt(probeOrderLength + 1);
        probeOrder[probeOrderLength] = probeOrder[j];
        probeOrder[j] = slot;
        probeOrderLength++;
    }

    /**
     * Puts a slot among the next {@code within} probe targets (a random one of those places), so
     * a member that just failed a probe is asked again soon instead of a whole round later.
     */
    void probeSoon(int slot, int within, RandomGenerator random) {
        if (probeOrderLength == probeOrder.length) {
            probeOrder = Arrays.copyOf(probeOrder, probeOrder.length * 2);
        }
        int at = probeCursor + random.nextInt(Math.max(1, Math.min(within, probeOrderLength - probeCursor + 1)));
        System.arraycopy(probeOrder, at, probeOrder, at + 1, probeOrderLength - at);
        probeOrder[at] = slot;
        probeOrderLength++;
    }

    /**
     * The next slot to probe that passes {@code eligible}, or -1 if none does. Walks the order;
     * at its end rebuilds it from the eligible slots and shuffles (Fisher-Yates).
     */
    int nextProbeTarget(java.util.function.IntPredicate eligible, RandomGenerator random) {
        for (int rebuilt = 0; rebuilt < 2; rebuilt++) {
            while (probeCursor < probeOrderLength) {
                int slot = probeOrder[probeCursor++];
                if (slot < highWater && identity[slot] != null && eligible.test(slot)) {
                    return slot;
                }
            }
            probeOrderLength = 0;
            probeCursor = 0;
            for (int s = 0; s < highWater; s++) {
                if (identity[s] != null && eligible.test(s)) {
                    if (probeOrderLength == probeOrder.length) {
                        probeOrder = Arrays.copyOf(probeOrder, probeOrder.length * 2);
                    }
                    probeOrder[probeOrderLength++] = s;
                }
            }
            for (int i = probeOrderLength - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = probeOrder[i];
                probeOrder[i] = probeOrder[j];
                probeOrder[j] = t;
            }
        }
        return -1;
    }

    /**
     * Picks up to {@code k} distinct random slots in use that pass {@code eligible} into
     * {@code into} (at most its length). Random draws first, cheap when most members qualify;
     * if they do not find enough, a reservoir-sampling scan of every slot.
     *
     * @return how many were picked
     */
    int pickRandom(int k, java.util.function.IntPredicate eligible, RandomGenerator random, int[] into) {
        int hw = highWater;
        int want = Math.min(k, into.length);
        int found = 0;
        int attempts = 4 * want + 16;
        draw:
        for (int a = 0; a < attempts && found < want; a++) {
            int s = random.nextInt(hw);
            if (identity[s] == null || !eligible.test(s)) {
                continue;
            }
            for (int i = 0; i < found; i++) {
                if (into[i] == s) {
                    continue draw;
                }
            }
            into[found++] = s;
        }
        if (found == want) {
            return found;
        }
        found = 0;
        int seen = 0;
        for (int s = 0; s < hw; s++) {
            if (identity[s] != null && eligible.test(s)) {
                seen++;
                if (found < want) {
                    into[found++] = s;
                } else {
                    int j = random.nextInt(seen);
                    if (j < want) {
                        into[j] = s;
                    }
                }
            }
        }
        return found;
    }

    // ---- index ----

    private void insertIndex(int slot) {
        int mask = index.length - 1;
        int h = mix(identity[slot].name().hashCode());
        int i = h & mask;
        while (index[i] != 0) {
            i = (i + 1) & mask;
        }
        index[i] = ((long) h << 32) | (slot + 1);
        indexIdentity[i] = identity[slot];
    }

    /** Where the slot in use sits in the index. */
    private int indexPosition(int slot) {
        int mask = index.length - 1;
        int i = mix(identity[slot].name().hashCode()) & mask;
        while ((int) index[i] != slot + 1) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private void rehash(int capacity) {
        index = new long[capacity];
        indexIdentity = new Message.Alive[capacity];
        for (int s = 0; s < highWater; s++) {
            if (identity[s] != null) {
                insertIndex(s);
            }
        }
    }

    private static int mix(int h) {
        int x = h * 0x9E3779B9;
        return x ^ (x >>> 16);
    }
}
