package dev.muster.discovery;

import dev.muster.Address;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decides which announcements name a peer worth reporting: one of this cluster, not this node,
 * and not already reported at the same address. Pure; confined to one thread (the event loop of
 * {@link MulticastDiscovery}).
 *
 * <p>A peer is remembered by node name with the address it announced, so a node that comes back
 * at a new address is reported again. Memory is bounded by {@link #MAX_REMEMBERED}: past it the
 * peer heard from least recently is forgotten, and reported again if it is heard again, which
 * only costs the node one redundant join attempt.
 */
final class PeerTracker {

    /** Peers remembered at most: far beyond one LAN segment's nodes, and only a few hundred KiB. */
    static final int MAX_REMEMBERED = 4096;

    enum Verdict {
        /** A peer of this cluster not reported before, or at a new address: report it. */
        NEW,
        /** Already reported at this address. */
        KNOWN,
        /** This node's own announcement, looped back (or another node using this node's name). */
        SELF,
        /** A node of another cluster sharing the multicast group. */
        OTHER_CLUSTER
    }

    private final String clusterName;
    private final String nodeName;
    private final Map<String, Address> reported = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Address> eldest) {
            return size() > MAX_REMEMBERED;
        }
    };

    PeerTracker(String clusterName, String nodeName) {
        this.clusterName = clusterName;
        this.nodeName = nodeName;
    }

    Verdict offer(Announcement announcement) {
        if (!announcement.clusterName().equals(clusterName)) {
            return Verdict.OTHER_CLUSTER;
        }
        if (announcement.nodeName().equals(nodeName)) {
            return Verdict.SELF;
        }
        Address previous = reported.put(announcement.nodeName(), announcement.address());
        return announcement.address().equals(previous) ? Verdict.KNOWN : Verdict.NEW;
    }
}
