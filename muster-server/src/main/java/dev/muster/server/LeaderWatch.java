package dev.muster.server;

import dev.muster.Subscription;
import dev.muster.control.ControlPlane;
import dev.muster.control.LeaderInfo;
import java.util.Optional;

/**
 * Counts the leaders one node has seen, for {@code muster_control_leader_changes_total}, and keeps
 * the latest term. A leader counts when it is new: another name or a later term than the last one
 * counted; the first leader counts too, so every node of a cluster that elected once shows 1
 * whenever its metrics started. An election's gap (no leader known for a moment) counts nothing,
 * nor does the same leader seen again after the gap.
 *
 * <p>Thread-safe: {@link ControlPlane#onLeaderChanged} delivers on a virtual thread, one event at
 * a time, and each scrape offers the leader it read; both go through one short lock.
 */
final class LeaderWatch implements AutoCloseable {

    private final Subscription subscription;
    private LeaderInfo last;
    private long changes;

    LeaderWatch(ControlPlane control) {
        this.subscription = control.onLeaderChanged(e -> seen(e.current()));
        seen(control.leader()); // a leader elected before the metrics started counts as the first
    }

    /** Counts {@code leader} if it is a new one. */
    synchronized void seen(Optional<LeaderInfo> leader) {
        if (leader.isEmpty()) {
            return;
        }
        LeaderInfo l = leader.get();
        if (last == null || l.term() > last.term() || (l.term() == last.term() && !l.name().equals(last.name()))) {
            last = l;
            changes++;
        }
    }

    /** New leaders seen, the first one included. */
    synchronized long changes() {
        return changes;
    }

    /** The term of the latest leader seen; 0 before the first. It stays through an election. */
    synchronized long term() {
        return last == null ? 0 : last.term();
    }

    @Override
    public void close() {
        subscription.close();
    }
}
