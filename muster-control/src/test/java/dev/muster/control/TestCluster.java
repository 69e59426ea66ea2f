package dev.muster.control;

import dev.muster.agents.AgentRuntime;
import dev.muster.agents.AgentTypes;
import dev.muster.balance.NodeLoad;

import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.membership.MembershipConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * N real nodes in this JVM on loopback, each with its control plane: node i is {@code node-i},
 * the first {@code replicas} are designated replicas, data under {@code dir/node-i}. Nodes can be
 * killed (closed without leaving: their ports refuse, as after a crash), restarted with their
 * data, and partitioned through the fault filter, which cuts gossip and Raft alike.
 */
final class TestCluster implements AutoCloseable {

    record Running(Cluster cluster, ControlPlane control, AgentRuntime agents) {}

    private final String name;
    private final int size;
    private final int replicas;
    private final Path dir;
    private final List<Running> nodes = new ArrayList<>();
    /** Each node's Raft port, kept across restarts: the group's configuration names it. */
    private final java.util.Map<Integer, Integer> raftPorts = new java.util.HashMap<>();

    private AgentTypes agentTypes;
    private int maxAgents;

    /** Every node started from now on runs an agent runtime with these types, taking up to {@code maxAgents}. */
    TestCluster withAgents(AgentTypes types, int maxAgents) {
        this.agentTypes = types;
        this.maxAgents = maxAgents;
        return this;
    }

    TestCluster(String name, int size, int replicas, Path dir) {
        this.name = name;
        this.size = size;
        this.replicas = replicas;
        this.dir = dir;
        for (int i = 1; i <= size; i++) {
            nodes.add(null);
        }
    }

    static TestCluster start(String name, int size, int replicas, Path dir) {
        return new TestCluster(name, size, replicas, dir).startAll();
    }

    TestCluster startAll() {
        for (int i = 1; i <= size; i++) {
            start(i);
        }
        return this;
    }

    Running start(int i) {
        List<Address> seeds = new ArrayList<>();
        for (Running r : nodes) {
            if (r != null) {
                seeds.add(r.cluster().address());
            }
        }
        Cluster c = Cluster.start(ClusterConfig.builder().clusterName(name).nodeName("node-" + i).bindHost("127.0.0.1")
                .port(0).httpPort(-1).seeds(seeds).clusterSize(size).faultInjection(true)
                .membership(MembershipConfig.local()).joinTimeout(Duration.ofSeconds(10)).build());
        ControlPlane p = ControlPlane.start(c, ControlConfig.builder().replicas(replicas)
                .port(raftPorts.getOrDefault(i, 0)).snapshotEvery(64).dataDir(dir.resolve("node-" + i)).build());
        String endpoint = c.localMember().metadata().get(Claims.RAFT);
        raftPorts.put(i, Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1)));
        AgentRuntime agents = null;
        if (agentTypes != null) {
            c.updateMetadata(c.localMember().metadata().with(NodeLoad.MAX_AGENTS, Integer.toString(maxAgents)));
            agents = AgentRuntime.start(c, p, agentTypes, dir.resolve("node-" + i).resolve("agents"));
        }
        Running r = new Running(c, p, agents);
        nodes.set(i - 1, r);
        return r;
    }

    /** A crash: the node stops at once, without leaving. */
    void kill(int i) {
        Running r = nodes.get(i - 1);
        if (r != null) {
            if (r.agents() != null) {
                r.agents().close(); // its agents die with it
            }
            r.control().close();
            r.cluster().close();
            nodes.set(i - 1, null);
        }
    }

    ControlPlane control(int i) {
        return nodes.get(i - 1).control();
    }

    AgentRuntime agents(int i) {
        return nodes.get(i - 1).agents();
    }

    Cluster cluster(int i) {
        return nodes.get(i - 1).cluster();
    }

    boolean running(int i) {
        return nodes.get(i - 1) != null;
    }

    int size() {
        return size;
    }

    static int index(String nodeName) {
        return Claims.index(nodeName);
    }

    /** Cuts every link between the two sides, both directions, gossip and Raft. */
    void partition(Set<Integer> side) {
        for (int a = 1; a <= size; a++) {
            for (int b = 1; b <= size; b++) {
                if (running(a) && running(b) && side.contains(a) != side.contains(b)) {
                    cluster(a).faults().blackhole(cluster(b).address());
                }
            }
        }
    }

    void heal() {
        for (Running r : nodes) {
            if (r != null) {
                r.cluster().faults().healAll();
            }
        }
    }

    /** The leader as node i knows it. */
    Optional<LeaderInfo> leaderSeenBy(int i) {
        return running(i) ? control(i).leader() : Optional.empty();
    }

    @Override
    public void close() {
        for (int i = 1; i <= size; i++) {
            kill(i);
        }
    }
}
