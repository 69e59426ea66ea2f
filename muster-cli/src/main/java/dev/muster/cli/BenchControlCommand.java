package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.balance.BalancingStrategy;
import dev.muster.control.ControlConfig;
import dev.muster.control.ControlException;
import dev.muster.control.ControlPlane;
import dev.muster.control.LeaderInfo;
import dev.muster.control.Mutation;
import dev.muster.local.LocalCluster;
import dev.muster.local.NodeClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code muster bench control}: leader failover and write throughput of the control plane.
 *
 * <p><b>Failover</b>, repeated {@code --runs} times: find the leader, crash it (SIGKILL of its
 * process in process mode; closed without leaving in embedded mode), then measure from the
 * crash until a survivor's write commits (a new leader accepts writes) and until every survivor
 * reports the same new leader; restart the crashed node with its data and wait until the group
 * is whole again before the next run.
 *
 * <p><b>Throughput</b> (embedded): {@code --writers} threads each commit small state changes
 * (an agent assignment) one after another for {@code --writes} in all, first on the leader's node
 * and then on a worker, whose writes are forwarded; reported as ops/s and latency p50/p99.
 */
@Command(name = "control", mixinStandardHelpOptions = true,
        description = "Measure leader failover after a crash and write throughput through the leader.")
final class BenchControlCommand implements Callable<Integer> {

    @Option(names = "--mode", defaultValue = "process", description = "process (SIGKILL of node processes) or embedded (default ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--nodes", defaultValue = "4", description = "Nodes; the first --replicas are replicas (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--replicas", defaultValue = "3", description = "Raft voters (default ${DEFAULT-VALUE}).")
    int replicas;

    @Option(names = "--runs", defaultValue = "20", description = "Failovers measured (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--writes", defaultValue = "2000", description = "Writes per throughput phase, 0 for none (default ${DEFAULT-VALUE}).")
    int writes;

    @Option(names = "--writers", defaultValue = "4", description = "Concurrent writers (default ${DEFAULT-VALUE}).")
    int writers;

    @Option(names = "--base-port", defaultValue = "29946", description = "Gossip port of node-1 in process mode (default ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SETTLE = Duration.ofSeconds(60);

    /** One crashable cluster, in processes or in this JVM. */
    private interface Target extends AutoCloseable {
        Optional<String> leader(int seenBy);
        boolean write(int node);
        void kill(int node);
        void restart(int node) throws Exception;
        boolean running(int node);
        @Override
        void close();
    }

    @Override
    public Integer call() throws Exception {
        if (!mode.equals("process") && !mode.equals("embedded")) {
            throw new IllegalArgumentException("--mode '" + mode + "' must be process or embedded");
        }
        if (replicas < 3 || replicas > 9 || replicas % 2 == 0) {
            throw new IllegalArgumentException("--replicas (" + replicas + ") must be 3, 5, 7 or 9: a failover needs a majority left");
        }
        if (nodes < replicas || nodes > 20) {
            throw new IllegalArgumentException("--nodes (" + nodes + ") must be between --replicas (" + replicas + ") and 20");
        }
        if (runs < 0 || runs > 200 || writes < 0 || writes > 1_000_000 || writers < 1 || writers > 64) {
            throw new IllegalArgumentException("--runs must be 0..200, --writes 0..1000000, --writers 1..64");
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("mode", mode).put("nodes", nodes).put("replicas", replicas);
        Path dir = Files.createTempDirectory("muster-bench-control-");
        try (Target t = mode.equals("process") ? new Processes(dir) : new Embedded(dir)) {
            awaitWhole(t);
            if (runs > 0) {
                out.set("failover", failovers(t));
            }
            if (writes > 0 && t instanceof Embedded e) {
                out.set("throughput_from_leader", throughput(e, true));
                out.set("throughput_from_worker", throughput(e, false));
            }
        } finally {
            if (mode.equals("process")) {
                LocalCluster.clean(dir);
            }
            dev.muster.local.Trees.deleteQuietly(dir); // the temporary cluster's logs and Raft data
        }
        if (json) {
            System.out.println(out.toPrettyString());
        } else {
            print(out);
        }
        return 0;
    }

    private ObjectNode failovers(Target t) throws Exception {
        List<Long> acceptMs = new ArrayList<>();
        List<Long> knownMs = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            String old = awaitWhole(t);
            int victim = Integer.parseInt(old.substring(old.lastIndexOf('-') + 1));
            List<Integer> survivors = new ArrayList<>();
            for (int i = 1; i <= nodes; i++) {
                if (i != victim) {
                    survivors.add(i);
                }
            }
            long t0 = System.nanoTime();
            t.kill(victim);
            long killMs = (System.nanoTime() - t0) / 1_000_000;
            long deadline = t0 + SETTLE.toNanos();
            int writer = survivors.get(0);
            // the writer retries on its own thread, so a write stuck on the dead leader does not
            // hold up the watch for the new leader
            AtomicLong acceptedAt = new AtomicLong(-1);
            Thread w = Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < deadline && !t.write(writer)) {
                    Thread.onSpinWait();
                }
                acceptedAt.set(System.nanoTime() - t0);
            });
            long known = -1;
            while (System.nanoTime() < deadline && known < 0) {
                Optional<String> first = t.leader(survivors.get(0));
                boolean agreed = first.isPresent() && !first.get().equals(old);
                for (int s : survivors) {
                    agreed &= t.leader(s).equals(first);
                }
                if (agreed) {
                    known = System.nanoTime() - t0;
                } else {
                    Thread.sleep(5);
                }
            }
            w.join();
            long accepted = acceptedAt.get();
            if (accepted < 0 || known < 0 || accepted > SETTLE.toNanos()) {
                throw new IllegalStateException("run " + run + ": no new leader within " + SETTLE);
            }
            acceptMs.add(accepted / 1_000_000);
            knownMs.add(known / 1_000_000);
            if (!json) {
                System.err.printf("run %d: killed %s (%d ms to kill); a write committed after %d ms, every survivor knew the new leader after %d ms%n",
                        run, old, killMs, accepted / 1_000_000, known / 1_000_000);
            }
            t.restart(victim);
        }
        ObjectNode f = JSON.createObjectNode();
        f.put("runs", runs);
        f.set("write_accepted_ms", stats(acceptMs));
        f.set("leader_known_everywhere_ms", stats(knownMs));
        return f;
    }

    /** Waits until every node runs and agrees on one leader; returns its name. */
    private String awaitWhole(Target t) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> first = t.leader(1);
            boolean agreed = first.isPresent();
            for (int i = 2; i <= nodes && agreed; i++) {
                agreed = t.leader(i).equals(first);
            }
            if (agreed && t.write(1)) {
                return first.get();
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the cluster did not agree on a leader within " + SETTLE);
    }

    private ObjectNode throughput(Embedded e, boolean fromLeader) throws Exception {
        int at = 1;
        String leader = e.leader(1).orElseThrow();
        for (int i = 1; i <= nodes; i++) {
            boolean isLeader = ("node-" + i).equals(leader);
            boolean isVoter = i <= replicas;
            if (fromLeader ? isLeader : !isVoter) {
                at = i;
                break;
            }
        }
        ControlPlane c = e.controls.get(at - 1);
        // warm-up: the client connects and the JIT compiles the path
        for (int k = 0; k < 50; k++) {
            c.write(new Mutation.Assign("warm-" + k, "node-1"));
        }
        AtomicLong next = new AtomicLong();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int w = 0; w < writers; w++) {
            threads.add(Thread.ofVirtual().start(() -> {
                long k;
                while ((k = next.getAndIncrement()) < writes) {
                    long s = System.nanoTime();
                    c.write(new Mutation.Assign("agent-" + k, "node-" + (1 + k % nodes)));
                    latencies.add(System.nanoTime() - s);
                }
            }));
        }
        for (Thread th : threads) {
            th.join();
        }
        long elapsed = System.nanoTime() - t0;
        List<Long> us = latencies.stream().map(n -> n / 1000).sorted().toList();
        ObjectNode o = JSON.createObjectNode();
        o.put("node", "node-" + at);
        o.put("writes", writes);
        o.put("writers", writers);
        o.put("ops_per_s", Math.round(writes / (elapsed / 1e9)));
        o.put("latency_us_p50", us.get(us.size() / 2));
        o.put("latency_us_p99", us.get((int) Math.min(us.size() - 1, Math.ceil(us.size() * 0.99) - 1)));
        o.put("latency_us_max", us.get(us.size() - 1));
        return o;
    }

    static ObjectNode stats(List<Long> ms) {
        List<Long> s = ms.stream().sorted().toList();
        ObjectNode o = JSON.createObjectNode();
        o.put("p50", s.get(s.size() / 2));
        o.put("p99", s.get((int) Math.min(s.size() - 1, Math.ceil(s.size() * 0.99) - 1)));
        o.put("max", s.get(s.size() - 1));
        ArrayNode all = o.putArray("all");
        ms.forEach(all::add);
        return o;
    }

    private void print(ObjectNode out) {
        JsonNode f = out.get("failover");
        if (f != null) {
            System.out.printf("failover (%s, %d replicas, %d runs): write accepted after p50 %d ms, p99 %d ms, max %d ms;"
                            + " every survivor knew the new leader after p50 %d ms, p99 %d ms%n", mode, replicas,
                    f.get("runs").asInt(), f.at("/write_accepted_ms/p50").asLong(), f.at("/write_accepted_ms/p99").asLong(),
                    f.at("/write_accepted_ms/max").asLong(), f.at("/leader_known_everywhere_ms/p50").asLong(),
                    f.at("/leader_known_everywhere_ms/p99").asLong());
        }
        for (String k : List.of("throughput_from_leader", "throughput_from_worker")) {
            JsonNode t = out.get(k);
            if (t != null) {
                System.out.printf("writes on %s (%s): %d ops/s with %d writers; latency p50 %d us, p99 %d us%n",
                        t.get("node").asText(), k.endsWith("leader") ? "the leader" : "a worker, forwarded",
                        t.get("ops_per_s").asLong(), t.get("writers").asInt(), t.get("latency_us_p50").asLong(),
                        t.get("latency_us_p99").asLong());
            }
        }
    }

    // ------------------------------------------------------------------ targets

    /** Every node in this JVM, on loopback; a crash closes the node without leaving. */
    private final class Embedded implements Target {
        final List<Cluster> clusters = new ArrayList<>();
        final List<ControlPlane> controls = new ArrayList<>();
        final List<Integer> raftPorts = new ArrayList<>();
        final Path dir;

        Embedded(Path dir) {
            this.dir = dir;
            for (int i = 1; i <= nodes; i++) {
                clusters.add(null);
                controls.add(null);
                raftPorts.add(0);
                start(i);
            }
        }

        private void start(int i) {
            List<Address> seeds = new ArrayList<>();
            for (Cluster c : clusters) {
                if (c != null) {
                    seeds.add(c.address());
                }
            }
            Cluster c = Cluster.start(ClusterConfig.builder().clusterName("bench-control").nodeName("node-" + i)
                    .bindHost("127.0.0.1").port(0).httpPort(-1).clusterSize(nodes).seeds(seeds).build());
            ControlPlane p = ControlPlane.start(c, ControlConfig.builder().replicas(replicas).port(raftPorts.get(i - 1))
                    .dataDir(dir.resolve("node-" + i)).build());
            String endpoint = c.localMember().metadata().get("raft");
            raftPorts.set(i - 1, Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1)));
            clusters.set(i - 1, c);
            controls.set(i - 1, p);
        }

        @Override
        public Optional<String> leader(int seenBy) {
            ControlPlane p = controls.get(seenBy - 1);
            return p == null ? Optional.empty() : p.leader().map(LeaderInfo::name);
        }

        @Override
        public boolean write(int node) {
            try {
                controls.get(node - 1).write(new Mutation.SetStrategy(BalancingStrategy.values()[(int) (System.nanoTime() % 5)]));
                return true;
            } catch (ControlException e) {
                return false;
            }
        }

        /**
         * Closes the node without leaving, on another thread: a Ratis server takes a second or
         * more to close, but stops answering at once, which is the crash being measured.
         */
        @Override
        public void kill(int node) {
            ControlPlane p = controls.set(node - 1, null);
            Cluster c = clusters.set(node - 1, null);
            closing.add(Thread.ofVirtual().start(() -> {
                c.close();
                p.close();
            }));
        }

        private final List<Thread> closing = new ArrayList<>();

        @Override
        public void restart(int node) throws InterruptedException {
            awaitClosed();
            start(node);
        }

        /** Waits until the nodes killed so far have closed (their ports are free again). */
        private void awaitClosed() throws InterruptedException {
            for (Thread t : closing) {
                t.join();
            }
            closing.clear();
        }

        @Override
        public boolean running(int node) {
            return clusters.get(node - 1) != null;
        }

        @Override
        public void close() {
            for (int i = 1; i <= nodes; i++) {
                if (running(i)) {
                    kill(i);
                }
            }
            try {
                awaitClosed();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@code muster serve} processes of a local cluster; a crash is SIGKILL. */
    private final class Processes implements Target {
        final LocalCluster cluster;
        final NodeClient http = new NodeClient("127.0.0.1");

        Processes(Path dir) throws Exception {
            cluster = LocalCluster.create(dir, "bench-control", nodes, "process", "127.0.0.1", basePort, basePort + 1000, 10,
                    LocalOptions.nodeJvmOptions(dir));
            cluster.start(nodes, true, SETTLE, (phase, done, total) -> { });
        }

        private Optional<JsonNode> get(int node, String path) {
            return http.get(cluster.httpPort(node), path);
        }

        @Override
        public Optional<String> leader(int seenBy) {
            return get(seenBy, "/api/cluster/leader").map(j -> j.path("leader")).filter(JsonNode::isTextual).map(JsonNode::asText);
        }

        @Override
        public boolean write(int node) {
            String body = "{\"strategy\":\"" + BalancingStrategy.values()[(int) (System.nanoTime() % 5)].jsonName() + "\"}";
            return http.send(cluster.httpPort(node), "POST", "/api/cluster/strategy", body, Duration.ofSeconds(5))
                    .map(a -> a.status() == 200).orElse(false);
        }

        @Override
        public void kill(int node) {
            cluster.kill(node);
        }

        @Override
        public void restart(int node) {
            cluster.startNode(node, SETTLE);
        }

        @Override
        public boolean running(int node) {
            return cluster.isRunning(node);
        }

        @Override
        public void close() {
            cluster.stopAll();
        }
    }
}
