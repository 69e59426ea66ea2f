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
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code muster bench}: measures a real cluster in this JVM on loopback sockets. It starts N
 * nodes one after another (each joins through node-1), measures the time until every node sees
 * all N alive, then crashes nodes one at a time (closed without leaving) and measures the time
 * until every survivor marks the crashed one dead, and the heap the cluster holds per node.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure an in-JVM cluster on loopback: convergence, crash detection, heap per node.")
final class BenchCommand implements Callable<Integer> {

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
        MembershipConfig membership = switch (profile) {
            case "lan" -> MembershipConfig.lan();
            case "local" -> MembershipConfig.local();
            case "wan" -> MembershipConfig.wan();
            default -> throw new IllegalArgumentException("--profile: '" + profile + "' must be lan, local or wan");
        };
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();

        List<Cluster> cluster = new ArrayList<>();
        ConcurrentHashMap<String, Long> deadSeen = new ConcurrentHashMap<>();
        try {
            long t0 = System.nanoTime();
            List<Address> seeds = List.of();
            for (int i = 0; i < nodes; i++) {
                Cluster node = Cluster.start(ClusterConfig.builder().clusterName("bench").nodeName("node-" + (i + 1))
                        .bindHost("127.0.0.1").port(0).httpPort(-1).seeds(seeds).membership(membership).build());
                if (i == 0) {
                    seeds = List.of(node.address());
                }
                cluster.add(node);
            }
            long launched = System.nanoTime();
            for (Cluster node : cluster) {
                if (!node.awaitMembers(nodes, Duration.ofSeconds(60))) {
                    throw new IllegalStateException(node.localMember().name() + " did not see " + nodes + " alive in 60 s");
                }
            }
            long converged = System.nanoTime();
            System.gc();
            long heapAfter = memory.getHeapMemoryUsage().getUsed();

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
            out.put("heap_per_node_kb", Math.max(0, (heapAfter - heapBefore) / nodes / 1024));
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
            for (Cluster node : cluster) {
                node.close();
            }
        }
    }
}
