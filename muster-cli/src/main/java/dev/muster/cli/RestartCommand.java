package dev.muster.cli;

import dev.muster.Durations;
import dev.muster.local.LocalCluster;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code muster restart [--size N]}: restart every node, or resize keeping nodes 1..min(old, new). */
@Command(name = "restart", mixinStandardHelpOptions = true,
        description = "Restart every node; with --size N, resize instead: nodes 1..min(old, N) keep running.")
final class RestartCommand implements Callable<Integer> {

    @Mixin
    LocalOptions local;

    @Option(names = "--size", description = "New size.")
    Integer size;

    @Option(names = "--batch-size", defaultValue = "5", description = "Nodes started at once (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--timeout", defaultValue = "60s", description = "Give up after this long (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() {
        LocalCluster cluster = local.open();
        ProgressLine progress = new ProgressLine(!local.json);
        try {
            if (size != null) {
                int old = cluster.size();
                cluster.resize(size, batchSize, Durations.parse("--timeout", timeout), progress);
                System.out.println("resized from " + old + " to " + cluster.size() + " nodes");
            } else {
                cluster.stopAll();
                LocalCluster.StartReport r = cluster.start(batchSize, true, Durations.parse("--timeout", timeout), progress);
                System.out.println("restarted " + r.nodes() + " nodes; every node saw all alive after "
                        + StartCommand.seconds(r.convergedMillis()));
            }
        } finally {
            progress.done();
        }
        return 0;
    }
}
