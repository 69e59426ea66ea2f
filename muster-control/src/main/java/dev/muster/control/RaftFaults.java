package dev.muster.control;

import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.transport.FaultFilter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.util.CodeInjectionForTesting;

/**
 * Makes the transport's fault filter apply to Raft traffic too, so one {@code blackhole} call
 * partitions both planes. Ratis talks over its own sockets, which the filter never sees; but
 * Ratis calls a hook ({@link CodeInjectionForTesting}) as a server receives a vote request or
 * an append, with the receiver's and the sender's ids. The hook refuses the request when either
 * side's filter black-holes (or drops all traffic from) the other, which the sender sees as a
 * failed call, as over a cut link. Client calls need two more cuts, in RaftControlPlane: a
 * node's client leaves out the replicas it is cut from, and the leader refuses (as unavailable)
 * a write whose writer it is cut from, since Ratis's not-leader redirects would otherwise carry
 * a minority's write straight to the majority's leader.
 *
 * <p>Only nodes started with {@code faults.enabled} register here, so production nodes pay one
 * map lookup per Raft request and nothing else. Peer ids are node names, unique per JVM while
 * the nodes of one cluster run. Thread-safe.
 */
final class RaftFaults {

    private static final Map<String, Cluster> NODES = new ConcurrentHashMap<>();
    private static final String[] POINTS = {"RaftServerImpl.requestVote", "RaftServerImpl.appendEntries"};

    static {
        CodeInjectionForTesting.Code hook = (localId, remoteId, args) -> {
            if (localId != null && remoteId != null && cut(localId.toString(), remoteId.toString())) {
                throw new IllegalStateException("partitioned by the fault filter: " + remoteId + " -> " + localId);
            }
            return false;
        };
        for (String point : POINTS) {
            CodeInjectionForTesting.put(point, hook);
        }
    }

    private RaftFaults() {}

    static void register(String peer, Cluster node) {
        NODES.put(peer, node);
    }

    static void unregister(String peer, Cluster node) {
        NODES.remove(peer, node);
    }

    /**
     * True when the receiver's filter cuts the sender (looked up in its member list, so this works
     * across processes), or when the sender runs in this JVM and its filter cuts the receiver.
     */
    static boolean cut(String receiver, String sender) {
        Cluster at = NODES.get(receiver);
        if (at == null) {
            return false;
        }
        Cluster from = NODES.get(sender);
        try {
            if (from != null && blocks(from, at.address())) {
                return true;
            }
            return at.member(sender).map(m -> blocks(at, m.address())).orElse(false);
        } catch (IllegalStateException closed) {
            return false;
        }
    }

    private static boolean blocks(Cluster at, Address peer) {
        FaultFilter f;
        try {
            f = at.faults();
        } catch (IllegalStateException off) {
            return false;
        }
        FaultFilter.Rule r = f.rules().get(peer);
        return r != null && (r.blackhole() || r.dropRate() >= 1.0);
    }
}
