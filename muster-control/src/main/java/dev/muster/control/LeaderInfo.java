package dev.muster.control;

import java.util.Objects;

/**
 * A Raft leader and the term it leads.
 *
 * @param name the leader's node name
 * @param term its Raft term; a later leader always has a higher term
 */
public record LeaderInfo(String name, long term) {
    public LeaderInfo {
        Objects.requireNonNull(name, "name");
    }
}
