package dev.muster;

import java.util.Locale;

/**
 * The life cycle of a member as one node sees it.
 *
 * <p>{@code JOINING} and {@code LEAVING} describe the local node only: it is contacting seeds, or it
 * is telling the others that it leaves. Remote members are {@code ALIVE}, {@code SUSPECT},
 * {@code DEAD} (failed: declared after a suspicion timed out) or {@code LEFT} (said goodbye).
 * The ordinal is part of the wire format: append only.
 */
public enum MemberState {
    JOINING,
    ALIVE,
    SUSPECT,
    DEAD,
    LEAVING,
    LEFT;

    /** Lower-case name used in JSON and on the command line. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True for {@code DEAD} and {@code LEFT}: the member takes no part any more. */
    public boolean isGone() {
        return this == DEAD || this == LEFT;
    }
}
