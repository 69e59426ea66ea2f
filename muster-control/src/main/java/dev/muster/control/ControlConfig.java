package dev.muster.control;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The control plane's settings for one node. Immutable; make one with {@link #builder()}.
 *
 * @param replica whether this node is a Raft voter from the start: true or false as configured
 *     ({@code roles: [replica]}), or null for the local-cluster rule: nodes 1 to {@code replicas}
 *     when the cluster has at least that many nodes, else node 1 alone (so a 2-node cluster is
 *     primary and secondary). Replicas that die are replaced by promoting other nodes.
 * @param replicas the target number of voters, and how many designated replicas must see each
 *     other before the group first forms (Consul's bootstrap-expect). 1 to 9; odd numbers make
 *     sense (3 survives one failure, 5 two). Default 3.
 * @param port the Raft port (TCP): -1 (the default) means the bound gossip port + 2; 0 means any
 *     free port (what {@code muster serve --port 0} passes). Published in membership metadata, so no
 *     node needs to be told it.
 * @param dataDir where the Raft log and snapshots live, so a restarted replica recovers them;
 *     null (the default) means a temporary directory removed at close (tests, throwaway nodes)
 * @param electionTimeoutMin the shortest time a follower waits for the leader before it starts
 *     an election; the leader sends heartbeats at half of it. Default 300ms; shorter fails over
 *     faster and risks needless elections on a starved host.
 * @param electionTimeoutMax the longest such wait (randomised between the two). Default 600ms.
 * @param requestTimeout how long a write or a linearizable read may take before it fails as
 *     unavailable (no quorum). Default 3s.
 * @param replaceAfter how long a voter must be dead or gone in membership before the leader
 *     replaces it by another node. Default 3s.
 * @param snapshotEvery how many log entries between snapshots of the state; a restarted replica
 *     loads the last snapshot and replays at most this many entries, and the log before a
 *     snapshot is purged. 16 or more. Default 1024.
 */
public record ControlConfig(Boolean replica, int replicas, int port, Path dataDir,
                            Duration electionTimeoutMin, Duration electionTimeoutMax,
                            Duration requestTimeout, Duration replaceAfter, long snapshotEvery) {

    /** Most voters: Raft's commit waits for a majority, so more voters write slower. */
    public static final int MAX_REPLICAS = 9;

    public static Builder builder() {
        return new Builder();
    }

    /** Every problem with these settings, each naming the setting, the value and the rule. */
    static List<String> problems(ControlConfig c) {
        List<String> p = new ArrayList<>();
        if (c.replicas < 1 || c.replicas > MAX_REPLICAS) {
            p.add("control.replicas (" + c.replicas + ") must be between 1 and " + MAX_REPLICAS);
        }
        if (c.port < -1 || c.port > 65_535) {
            p.add("control.port (" + c.port + ") must be -1 (gossip port + 2), 0 (any) or a port up to 65535");
        }
        positive(p, "control.election-timeout-min", c.electionTimeoutMin);
        positive(p, "control.election-timeout-max", c.electionTimeoutMax);
        positive(p, "control.request-timeout", c.requestTimeout);
        positive(p, "control.replace-after", c.replaceAfter);
        if (c.snapshotEvery < 16) {
            p.add("control.snapshot-every (" + c.snapshotEvery + ") must be at least 16");
        }
        if (c.electionTimeoutMin != null && c.electionTimeoutMax != null
                && c.electionTimeoutMax.compareTo(c.electionTimeoutMin) <= 0) {
            p.add("control.election-timeout-max (" + c.electionTimeoutMax + ") must be longer than"
                    + " control.election-timeout-min (" + c.electionTimeoutMin + ")");
        }
        return p;
    }

    private static void positive(List<String> p, String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            p.add(key + " (" + d + ") must be a positive duration");
        }
    }

    /** Builds a {@link ControlConfig}; {@link #build()} checks every setting at once. */
    public static final class Builder {
        private Boolean replica;
        private int replicas = 3;
        private int port = -1;
        private Path dataDir;
        private Duration electionTimeoutMin = Duration.ofMillis(300);
        private Duration electionTimeoutMax = Duration.ofMillis(600);
        private Duration requestTimeout = Duration.ofSeconds(3);
        private Duration replaceAfter = Duration.ofSeconds(3);
        private long snapshotEvery = 1024;

        private Builder() {}

        public Builder replica(Boolean v) { replica = v; return this; }
        public Builder replicas(int v) { replicas = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder electionTimeoutMin(Duration v) { electionTimeoutMin = v; return this; }
        public Builder electionTimeoutMax(Duration v) { electionTimeoutMax = v; return this; }
        public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
        public Builder replaceAfter(Duration v) { replaceAfter = v; return this; }
        public Builder snapshotEvery(long v) { snapshotEvery = v; return this; }

        /** @throws IllegalArgumentException listing every invalid setting */
        public ControlConfig build() {
            ControlConfig c = new ControlConfig(replica, replicas, port, dataDir, electionTimeoutMin,
                    electionTimeoutMax, requestTimeout, replaceAfter, snapshotEvery);
            List<String> p = problems(c);
            if (!p.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", p));
            }
            return c;
        }
    }
}
