package dev.muster;

import java.util.Objects;

/**
 * Something that happened to a member, as seen by the node that reports it.
 *
 * @param member the member right after the change
 */
public record MemberEvent(Type type, Member member) {

    /** What happened. */
    public enum Type {
        /** First seen, or seen again after it was dead or left (a rejoin). */
        JOINED,
        /** A suspicion was refuted: the member is alive again. */
        ALIVE,
        /** The member stopped answering probes; it is suspected until it refutes or times out. */
        SUSPECT,
        /** The suspicion timed out (or another node said so): the member is considered failed. */
        DEAD,
        /** The member left gracefully. */
        LEFT,
        /** The member published new metadata or moved to a new address. */
        UPDATED
    }

    public MemberEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(member, "member");
    }
}
