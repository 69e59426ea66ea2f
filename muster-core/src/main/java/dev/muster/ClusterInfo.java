package dev.muster;

import java.util.List;

/**
 * Who a node is and what it sees, at one moment.
 *
 * @param self this node
 * @param index its node index ({@code NODE_INDEX}), 0 when not set
 * @param members every member it knows, itself included
 * @param clusterSize the expected size ({@code CLUSTER_SIZE}), 0 when not set
 * @param alive members alive now, itself included
 * @param formed true when {@code alive >= clusterSize}; without an expected size, when this
 *     node has joined
 */
public record ClusterInfo(Member self, int index, List<Member> members, int clusterSize, int alive, boolean formed) {
    public ClusterInfo {
        members = List.copyOf(members);
    }
}
