package dev.muster.cli;

import dev.muster.local.LocalCluster;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code muster stop [INDEX]}: graceful stop (the node leaves; SIGKILL after a grace period). */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop every node, or node INDEX: it leaves the cluster (SIGTERM), and is killed if it hangs.")
final class StopCommand implements Callable<Integer> {

    @Mixin
    LocalOptions local;

    @Parameters(arity = "0..1", paramLabel = "INDEX", description = "Only this node.")
    Integer index;

    @Override
    public Integer call() {
        LocalCluster cluster = local.open();
        if (index != null) {
            if (!cluster.stop(index)) {
                throw new IllegalArgumentException(cluster.name(index) + " is not running");
            }
            System.out.println("stopped " + cluster.name(index));
        } else {
            System.out.println("stopped " + cluster.stopAll() + " of " + cluster.size() + " nodes");
        }
        return 0;
    }
}
