package dev.muster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.local.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code muster bench startup}: how fast a local cluster of node processes starts, as
 * {@code muster start} does it: time until every node has joined (launch) and until every node
 * sees all N alive (converged), per-node resident memory, and optionally the same cluster
 * started one node at a time. The runs share one temporary cluster directory (after a one-node
 * warm-up that leaves the class-data sharing archive, as any second start would find it), and
 * each run stops and cleans everything before the next.
 */
@Command(name = "startup", mixinStandardHelpOptions = true,
        description = "Measure a local cluster's start: launch and convergence times, memory per node.")
final class BenchStartupCommand implements Callable<Integer> {

    @Option(names = "--nodes", defaultValue = "50", description = "Nodes (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--batch-size", defaultValue = "10", description = "Nodes started at once (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--mode", defaultValue = "process", description = "process or embedded (default ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--sequential-too", description = "Also start the same cluster one node at a time, and compare.")
    boolean sequentialToo;

    @Option(names = "--base-port", defaultValue = "27946", description = "Gossip port of node-1 (default ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--timeout", defaultValue = "180s", description = "Give up a run after this long (default ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("muster-bench-startup");
        ObjectNode out = new ObjectMapper().createObjectNode();
        out.put("nodes", nodes);
        out.put("mode", mode);
        ArrayNode runs = out.putArray("runs");
        try {
            // a one-node warm-up leaves the class-data sharing archive every later start uses, as a
            // second 'muster start' in the same directory would
            run(dir, 1, 1);
            runs.add(run(dir, nodes, batchSize));
            if (sequentialToo) {
                runs.add(run(dir, nodes, 1));
            }
        } finally {
            dev.muster.local.Trees.deleteQuietly(dir); // each run cleaned its processes; the logs and archive go
        }
        if (json) {
            System.out.println(out.toPrettyString());
        } else {
            for (var r : runs) {
                System.out.printf("%d nodes (%s), batch %d: all joined after %s, every node saw all alive after %s;"
                                + " RSS per node median %d MB, max %d MB%n", nodes, mode, r.get("batch_size").asInt(),
                        StartCommand.seconds(r.get("launch_ms").asLong()),
                        StartCommand.seconds(r.get("converged_ms").asLong()),
                        r.get("rss_mb_median").asLong(), r.get("rss_mb_max").asLong());
            }
        }
        return 0;
    }

    private ObjectNode run(Path dir, int n, int batch) throws Exception {
        try {
            LocalCluster c = LocalCluster.create(dir, "bench", n, mode, "127.0.0.1", basePort, basePort + 1000, 10,
                    LocalOptions.nodeJvmOptions(dir));
            ProgressLine progress = new ProgressLine(!json);
            LocalCluster.StartReport r;
            try {
                r = c.start(batch, true, dev.muster.Durations.parse("--timeout", timeout), progress);
            } finally {
                progress.done();
            }
            List<Long> rss = c.status().stream().map(LocalCluster.NodeStatus::rssBytes).filter(b -> b > 0).sorted().toList();
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("batch_size", batch);
            o.put("launch_ms", r.launchMillis());
            o.put("converged_ms", r.convergedMillis());
            o.put("rss_mb_median", rss.isEmpty() ? -1 : rss.get(rss.size() / 2) >> 20);
            o.put("rss_mb_max", rss.isEmpty() ? -1 : rss.get(rss.size() - 1) >> 20);
            c.stopAll();
            return o;
        } finally {
            LocalCluster.clean(dir);
            Thread.sleep(Duration.ofSeconds(1)); // let the ports settle before the next run
        }
    }
}
