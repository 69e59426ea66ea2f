package dev.muster.control;

import java.util.Optional;

/**
 * The leader this node knows changed.
 *
 * @param previous the leader before, if one was known
 * @param current the leader now, or empty while none is known (an election, or no quorum)
 */
public record LeaderChanged(Optional<LeaderInfo> previous, Optional<LeaderInfo> current) {}
