package dev.muster.server;

import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.membership.MembershipConfig;
import java.util.List;

/** Test nodes on loopback: any free gossip port, no HTTP of their own, the local protocol profile, two expected. */
final class Loopback {

    private Loopback() {}

    static Cluster node(String cluster, String name, List<Address> seeds) {
        return Cluster.start(ClusterConfig.builder().clusterName(cluster).nodeName(name).bindHost("127.0.0.1")
                .port(0).httpPort(-1).clusterSize(2).seeds(seeds).membership(MembershipConfig.local()).build());
    }
}
