package dev.muster.membership;

import dev.muster.MemberState;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * The entries of a push-pull this node builds from its table, as three parallel arrays
 * instead of one {@link Message.PushPull.Entry} object each; an immutable {@code List} whose
 * {@link #get} makes the entry on demand.
 *
 * <p>Why: a node answers every join and every push-pull with its whole member list. At 10,000
 * simulated nodes those lists were 46% of all allocation (an entry object, then the list copy
 * {@code PushPull} makes, 32 bytes a member), and the young collections that followed were
 * a third of the run. Here a member costs 9 bytes and {@code PushPull} keeps the list as it is.
 * {@link Membership} reads the arrays directly when it merges such a list.
 *
 * <p>Immutable once built; safe to share between threads after construction.
 */
final class PushPullEntries extends AbstractList<Message.PushPull.Entry> implements RandomAccess {

    private static final MemberState[] STATES = MemberState.values();

    private final Message.Alive[] identities;
    private final int[] incarnations;
    private final byte[] states;
    private final int size;

    private PushPullEntries(Builder b) {
        this.identities = b.identities;
        this.incarnations = b.incarnations;
        this.states = b.states;
        this.size = b.size;
    }

    @Override
    public Message.PushPull.Entry get(int i) {
        return new Message.PushPull.Entry(identity(i), incarnation(i), state(i));
    }

    @Override
    public int size() {
        return size;
    }

    Message.Alive identity(int i) {
        return identities[checked(i)];
    }

    int incarnation(int i) {
        return incarnations[checked(i)];
    }

    MemberState state(int i) {
        return STATES[states[checked(i)]];
    }

    private int checked(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("entry " + i + " of " + size);
        }
        return i;
    }

    /** Collects entries; {@link #build} hands the arrays over, so a builder is used once. */
    static final class Builder {
        private Message.Alive[] identities;
        private int[] incarnations;
        private byte[] states;
        private int size;

        /** @param expected how many entries are likely; more are accepted */
        Builder(int expected) {
            int cap = Math.max(1, expected);
            identities = new Message.Alive[cap];
            incarnations = new int[cap];
            states = new byte[cap];
        }

        void add(Message.Alive identity, int incarnation, MemberState state) {
            if (size == identities.length) {
                int cap = size + (size >> 1) + 1;
                identities = Arrays.copyOf(identities, cap);
                incarnations = Arrays.copyOf(incarnations, cap);
                states = Arrays.copyOf(states, cap);
            }
            identities[size] = Objects.requireNonNull(identity, "identity");
            incarnations[size] = incarnation;
            states[size] = (byte) state.ordinal();
            size++;
        }

        PushPullEntries build() {
            PushPullEntries list = new PushPullEntries(this);
            identities = null; // handed over: the list is immutable
            incarnations = null;
            states = null;
            return list;
        }
    }
}
