package dev.muster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.examples.wordcount.MapService;
import dev.muster.examples.wordcount.WordCountJob;
import dev.muster.examples.wordcount.Words;
import dev.muster.local.LocalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code muster wordcount FILE}: a distributed word count on the local cluster. This command
 * joins the cluster as a node of its own (named {@code wordcount-PID}, serving nothing), and
 * coordinates {@link WordCountJob} from there: the chunks go into its content store, each map
 * task is a call to the {@code wordcount} service that every node of {@code muster start}
 * offers, and the result is injected into the cluster's content stores. Then it counts the same
 * file in this process, compares, and leaves.
 */
@Command(name = "wordcount", mixinStandardHelpOptions = true,
        description = "Count the words of FILE across the local cluster, and check against a count in this process.")
final class WordCountCommand implements Callable<Integer> {

    static final Duration JOIN = Duration.ofSeconds(30);

    @Mixin
    LocalOptions local;

    @Parameters(index = "0", paramLabel = "FILE", description = "The text to count (UTF-8).")
    Path file;

    @Option(names = "--chunks", defaultValue = "16", description = "Split into at least this many chunks, 1..10000"
            + " (more when a chunk would pass 1 MB; default ${DEFAULT-VALUE}).")
    int chunks;

    @Option(names = "--parallel", defaultValue = "8", description = "Map calls in flight at once, 1..256 (default ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--top", defaultValue = "10", description = "Most frequent words to print (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--no-baseline", negatable = true, description = "Skip the count in this process (the check and the"
            + " baseline speed).")
    boolean baseline = true;

    @Override
    public Integer call() throws Exception {
        if (chunks < 1 || chunks > 10_000) {
            throw new IllegalArgumentException("--chunks: " + chunks + " must be between 1 and 10000");
        }
        if (parallel < 1 || parallel > 256) {
            throw new IllegalArgumentException("--parallel: " + parallel + " must be between 1 and 256");
        }
        byte[] input;
        try {
            input = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("FILE: cannot read " + file + ": " + e.getMessage());
        }
        LocalCluster cluster = local.open();
        List<Address> seeds = new ArrayList<>();
        for (int i = 1; i <= cluster.size() && seeds.size() < 3; i++) {
            if (cluster.isRunning(i)) {
                seeds.add(new Address(cluster.bindHost(), cluster.gossipPort(i)));
            }
        }
        if (seeds.isEmpty()) {
            throw new IllegalStateException("no node of the cluster in " + cluster.directory() + " is running; muster start first");
        }
        Cluster coordinator = Cluster.start(ClusterConfig.builder().clusterName(cluster.clusterName())
                .nodeName("wordcount-" + ProcessHandle.current().pid()).bindHost(cluster.bindHost()).port(0).httpPort(-1)
                .seeds(seeds).joinTimeout(JOIN).build());
        try {
            long deadline = System.nanoTime() + JOIN.toNanos();
            while (coordinator.services().resolve(MapService.SERVICE).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            int mappers = coordinator.services().resolve(MapService.SERVICE).size();
            if (mappers == 0) {
                throw new IllegalStateException("no node offers the '" + MapService.SERVICE + "' service; nodes of"
                        + " 'muster start' offer it (restart an older cluster), or run muster serve --service "
                        + MapService.SERVICE + "=" + MapService.class.getName());
            }
            WordCountJob.Result r = WordCountJob.run(coordinator, input, WordCountJob.Options.DEFAULTS.withChunks(chunks)
                    .withParallelism(parallel).withResultEnergy(10));
            Map<String, Long> expected = null;
            long baselineNanos = 0;
            if (baseline) {
                long t = System.nanoTime();
                expected = Words.count(input);
                baselineNanos = System.nanoTime() - t;
            }
            report(r, mappers, expected, baselineNanos);
            return expected == null || expected.equals(r.counts()) ? 0 : 1;
        } finally {
            coordinator.leave(Duration.ofSeconds(2));
        }
    }

    private void report(WordCountJob.Result r, int mappers, Map<String, Long> expected, long baselineNanos) {
        double mb = r.inputBytes() / 1e6;
        double seconds = r.total().toNanos() / 1e9;
        Map<String, Integer> perNode = new TreeMap<>();
        r.chunks().forEach(c -> perNode.merge(c.node(), 1, Integer::sum));
        ObjectMapper json = new ObjectMapper();
        ObjectNode out = json.createObjectNode();
        out.put("file", file.toString()).put("bytes", r.inputBytes()).put("nodes", mappers)
                .put("chunks", r.chunks().size()).put("reruns", r.reruns()).put("words", r.totalWords())
                .put("distinct", r.counts().size()).put("result_digest", r.resultDigest())
                .put("split_ms", r.split().toMillis()).put("map_ms", r.map().toMillis())
                .put("reduce_ms", r.reduce().toMillis()).put("store_ms", r.store().toMillis())
                .put("mb_per_s", mb / seconds);
        ObjectNode chunksPerNode = out.putObject("chunks_per_node");
        perNode.forEach(chunksPerNode::put);
        var chunkList = out.putArray("chunk_runs");
        r.chunks().forEach(c -> chunkList.addObject().put("index", c.index()).put("digest", c.digest())
                .put("bytes", c.bytes()).put("node", c.node()).put("attempts", c.attempts()));
        var topWords = out.putArray("top");
        r.top(top).forEach(e -> topWords.addObject().put("word", e.getKey()).put("count", e.getValue()));
        if (expected != null) {
            out.put("baseline_ms", baselineNanos / 1_000_000).put("baseline_mb_per_s", mb / (baselineNanos / 1e9))
                    .put("equal", expected.equals(r.counts()));
        }
        if (local.json) {
            System.out.println(out.toPrettyString());
            return;
        }
        System.out.printf("%s: %,d bytes, %,d words, %,d distinct, in %d chunks on %d nodes%n", file, r.inputBytes(),
                r.totalWords(), r.counts().size(), r.chunks().size(), mappers);
        System.out.printf("phases: split %d ms, map %d ms, reduce %d ms, store %d ms; %.1f MB/s%n", r.split().toMillis(),
                r.map().toMillis(), r.reduce().toMillis(), r.store().toMillis(), mb / seconds);
        System.out.println("chunks per node: " + perNode + (r.reruns() > 0 ? "; " + r.reruns() + " re-run elsewhere" : ""));
        Map<String, StringBuilder> which = new TreeMap<>();
        r.chunks().forEach(c -> {
            StringBuilder b = which.computeIfAbsent(c.node(), k -> new StringBuilder());
            b.append(b.length() == 0 ? "" : " ").append(c.index()).append(c.attempts() > 1 ? "(" + c.attempts() + " tries)" : "");
        });
        which.forEach((n, list) -> System.out.println("  " + n + " ran chunks " + list));
        System.out.println(r.resultDigest() != null ? "result stored under " + r.resultDigest()
                : "result not stored: its " + r.resultBytes() + " bytes are over the content store's largest entry");
        System.out.println("top " + top + ":");
        r.top(top).forEach(e -> System.out.printf("  %-20s %,d%n", e.getKey(), e.getValue()));
        if (expected != null) {
            System.out.printf("single process: %d ms, %.1f MB/s; counts %s%n", baselineNanos / 1_000_000,
                    mb / (baselineNanos / 1e9), expected.equals(r.counts()) ? "equal" : "DIFFER");
        }
    }
}
