package dev.muster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.MemberEvent;
import dev.muster.membership.MembershipConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code muster bench}: measures a real cluster in this JVM on loopback sockets. It starts
 * node-1, then the other N-1 nodes eight at a time (each joins through node-1), measures the time until every node sees
 * all N alive, then crashes nodes one at a time (closed without leaving) and measures the time
 * until every survivor marks the crashed one dead, and the heap the cluster holds per node.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure an in-JVM cluster on loopback: convergence, crash detection, heap per node."
                + " 'bench startup' measures a local cluster of node processes instead.",
        subcommands = {BenchStartupCommand.class, BenchControlCommand.class, BenchAgentsCommand.class,
                BenchRpcCommand.class, BenchDiffusionCommand.class, BenchApiCommand.class})
final class BenchCommand implements Callable<Integer> {

    /** Nodes started at once after the seed: joins overlap, as in a real roll-out. */
    private static final int STARTER_THREADS = 8;

    @Option(names = "--nodes", defaultValue = "20", description = "Nodes to start (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--crashes", defaultValue = "3", description = "Nodes crashed one at a time (default ${DEFAULT-VALUE}).")
    int crashes;

    @Option(names = "--profile", defaultValue = "lan", description = "Membership timing: lan, local or wan (default ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (nodes < 2 || nodes > 200) {
            throw new IllegalArgumentException("--nodes (" + nodes + ") must be between 2 and 200");
        }
        if (crashes < 0 || crashes > nodes / 2) {
            throw new IllegalArgumentException("--crashes (" + crashes + ") must be between 0 and half the nodes (" + nodes / 2 + ")");
        }
        MembershipConfig membership;
        try {
            membership = MembershipConfig.preset(profile);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--profile: " + e.getMessage(), e);
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        List<Cluster> cluster = new ArrayList<>();
        ConcurrentHashMap<String, Long> deadSeen = new ConcurrentHashMap<>();
        ExecutorService starter = Executors.newFixedThreadPool(STARTER_THREADS);
        try {
            // node-1 first (it is the seed, and it loads the classes the heap figure must not count)
            cluster.add(Cluster.start(config(1, List.of(), membership)));
            long heapBefore = settledHeap(memory);
            List<Address> seeds = List.of(cluster.get(0).address());
            long t0 = System.nanoTime(); // times count from the start of nodes 2..N; node-1 is up
            List<Future<Cluster>> rest = new ArrayList<>();
            for (int i = 2; i <= nodes; i++) {
                ClusterConfig c = config(i, seeds, membership);
                rest.add(starter.submit(() -> Cluster.start(c)));
            }
            for (Future<Cluster> f : rest) {
                cluster.add(f.get());
            }
            long launched = System.nanoTime();
            for (Cluster node : cluster) {
                if (!node.awaitMembers(nodes, Duration.ofSeconds(60))) {
                    throw new IllegalStateException(node.localMember().name() + " did not see " + nodes + " alive in 60 s");
                }
            }
            long converged = System.nanoTime();
            long heapAfter = settledHeap(memory);

            List<Double> detectMs = new ArrayList<>();
            for (int c = 0; c < crashes; c++) {
                Cluster victim = cluster.remove(cluster.size() - 1);
                String name = victim.localMember().name();
                CountDownLatch allSaw = new CountDownLatch(cluster.size());
                for (Cluster observer : cluster) {
                    observer.subscribe(e -> {
                        if (e.type() == MemberEvent.Type.DEAD && e.member().name().equals(name)
                                && deadSeen.putIfAbsent(observer.localMember().name() + "/" + name, System.nanoTime()) == null) {
                            allSaw.countDown();
                        }
                    });
                }
                long crashedAt = System.nanoTime();
                victim.close();
                if (!allSaw.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("not every survivor marked " + name + " dead within 60 s");
                }
                detectMs.add((System.nanoTime() - crashedAt) / 1e6);
            }

            ObjectNode out = new ObjectMapper().createObjectNode();
            out.put("nodes", nodes);
            out.put("profile", profile);
            out.put("launch_ms", Math.round((launched - t0) / 1e6));
            out.put("converged_ms", Math.round((converged - t0) / 1e6));
            out.put("converged_after_launch_ms", Math.round((converged - launched) / 1e6));
            out.put("heap_per_node_kb", Math.max(0, (heapAfter - heapBefore) / (nodes - 1) / 1024));
            var d = out.putArray("crash_detection_ms");
            detectMs.forEach(v -> d.add(Math.round(v)));
            if (json) {
                System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
            } else {
                System.out.printf("%d nodes (%s): started in %d ms, every node saw all alive at %d ms%n", nodes, profile,
                        out.get("launch_ms").asLong(), out.get("converged_ms").asLong());
                System.out.printf("heap per node: %d KB%n", out.get("heap_per_node_kb").asLong());
                System.out.printf("crash detection (every survivor marks the node dead): %s ms%n", d);
            }
            return 0;
        } finally {
            starter.shutdownNow();
            for (Cluster node : cluster) {
                node.close();
            }
        }
    }

    private static ClusterConfig config(int index, List<Address> seeds, MembershipConfig membership) {
        return ClusterConfig.builder().clusterName("bench").nodeName("node-" + index).bindHost("127.0.0.1").port(0)
                .httpPort(-1).seeds(seeds).membership(membership).build();
    }

    /** Heap in use after garbage collection has settled (several full collections in a row). */
    private static long settledHeap(MemoryMXBean memory) throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
