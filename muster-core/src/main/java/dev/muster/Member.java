package dev.muster;

import java.util.Objects;

/**
 * A snapshot of one member as seen by one node: identity (name and incarnation), where to reach
 * it, its state and its metadata. Immutable.
 *
 * @param incarnation the member's own counter; it raises it to refute a suspicion or to publish
 *     new metadata, so a higher incarnation always wins
 */
public record Member(String name, Address address, int incarnation, MemberState state, Metadata metadata) {
    public Member {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(metadata, "metadata");
    }
}
