package dev.muster.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muster.Address;
import dev.muster.discovery.PeerTracker.Verdict;
import org.junit.jupiter.api.Test;

class PeerTrackerTest {

    private final PeerTracker tracker = new PeerTracker("blue", "node-1");

    @Test
    void reportsEachPeerOfThisClusterOnceAndAgainAtANewAddress() {
        assertThat(tracker.offer(announce("blue", "node-2", "10.0.0.2:7946"))).isEqualTo(Verdict.NEW);
        assertThat(tracker.offer(announce("blue", "node-2", "10.0.0.2:7946"))).isEqualTo(Verdict.KNOWN);
        assertThat(tracker.offer(announce("blue", "node-3", "10.0.0.3:7946"))).isEqualTo(Verdict.NEW);
        assertThat(tracker.offer(announce("blue", "node-2", "10.0.0.9:7946")))
                .as("node-2 restarted at another address").isEqualTo(Verdict.NEW);
        assertThat(tracker.offer(announce("blue", "node-2", "10.0.0.9:7946"))).isEqualTo(Verdict.KNOWN);
    }

    @Test
    void ignoresItselfAndOtherClusters() {
        assertThat(tracker.offer(announce("blue", "node-1", "10.0.0.1:7946"))).isEqualTo(Verdict.SELF);
        assertThat(tracker.offer(announce("green", "node-2", "10.0.0.2:7946"))).isEqualTo(Verdict.OTHER_CLUSTER);
        assertThat(tracker.offer(announce("Blue", "node-2", "10.0.0.2:7946")))
                .as("cluster names compare exactly").isEqualTo(Verdict.OTHER_CLUSTER);
        assertThat(tracker.offer(announce("green", "node-1", "10.0.0.2:7946")))
                .as("this node's name in another cluster is another node").isEqualTo(Verdict.OTHER_CLUSTER);
    }

    @Test
    void forgetsTheLeastRecentlyHeardPeerBeyondItsBound() {
        for (int i = 0; i <= PeerTracker.MAX_REMEMBERED; i++) {
            assertThat(tracker.offer(announce("blue", "n" + i, "10.0.0.1:" + (1000 + i)))).isEqualTo(Verdict.NEW);
        }

        assertThat(tracker.offer(announce("blue", "n1", "10.0.0.1:1001"))).as("still remembered").isEqualTo(Verdict.KNOWN);
        assertThat(tracker.offer(announce("blue", "n0", "10.0.0.1:1000"))).as("forgotten").isEqualTo(Verdict.NEW);
    }

    private static Announcement announce(String cluster, String node, String address) {
        return new Announcement(cluster, node, Address.parse(address));
    }
}
