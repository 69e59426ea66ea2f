package dev.muster.cli;

import dev.muster.local.LocalCluster;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code muster logs INDEX [--follow] [--lines N]}, or {@code --all} prefixed by node name. */
@Command(name = "logs", mixinStandardHelpOptions = true, description = "Show a node's log, or every node's with --all.")
final class LogsCommand implements Callable<Integer> {

    @Mixin
    LocalOptions local;

    @Parameters(arity = "0..1", paramLabel = "INDEX", description = "The node's index.")
    Integer index;

    @Option(names = "--all", description = "Every node's log, each line prefixed with the node's name.")
    boolean all;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until Ctrl-C.")
    boolean follow;

    @Option(names = {"-n", "--lines"}, defaultValue = "100", description = "Lines to show from the end (default ${DEFAULT-VALUE}).")
    int lines;

    @Override
    public Integer call() throws Exception {
        LocalCluster cluster = local.open();
        if (all == (index != null)) {
            throw new IllegalArgumentException("give a node INDEX or --all (not both)");
        }
        if (lines < 0) {
            throw new IllegalArgumentException("--lines (" + lines + ") must not be negative");
        }
        List<Integer> nodes = new ArrayList<>();
        if (all) {
            for (int i = 1; i <= cluster.size(); i++) {
                nodes.add(i);
            }
        } else {
            if (index < 1 || index > cluster.size()) {
                throw new IllegalArgumentException("node index " + index + " must be between 1 and " + cluster.size());
            }
            nodes.add(index);
        }
        long[] offsets = new long[nodes.size()];
        for (int k = 0; k < nodes.size(); k++) {
            int i = nodes.get(k);
            String prefix = all ? cluster.name(i) + " | " : "";
            for (String line : cluster.tail(i, lines).split("\n", -1)) {
                if (!line.isEmpty()) {
                    System.out.println(prefix + line);
                }
            }
            offsets[k] = Files.exists(cluster.logFile(i)) ? Files.size(cluster.logFile(i)) : 0;
        }
        while (follow) {
            Thread.sleep(200);
            for (int k = 0; k < nodes.size(); k++) {
                int i = nodes.get(k);
                offsets[k] = printFrom(cluster, i, offsets[k], all ? cluster.name(i) + " | " : "");
            }
        }
        return 0;
    }

    private static long printFrom(LocalCluster cluster, int i, long offset, String prefix) throws IOException {
        if (!Files.exists(cluster.logFile(i))) {
            return offset;
        }
        try (RandomAccessFile f = new RandomAccessFile(cluster.logFile(i).toFile(), "r")) {
            long len = f.length();
            if (len < offset) {
                offset = 0; // the log was replaced
            }
            if (len == offset) {
                return offset;
            }
            byte[] buf = new byte[(int) Math.min(len - offset, 1 << 20)];
            f.seek(offset);
            f.readFully(buf);
            String text = new String(buf, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            if (end < 0) {
                return offset; // wait for the line to end
            }
            for (String line : text.substring(0, end).split("\n")) {
                System.out.println(prefix + line);
            }
            return offset + text.substring(0, end + 1).getBytes(StandardCharsets.UTF_8).length;
        }
    }
}
