package dev.muster.cli;

import dev.muster.local.LocalCluster;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code muster clean}: ends this cluster's recorded node processes (by pid, checked) and removes its state. */
@Command(name = "clean", mixinStandardHelpOptions = true,
        description = "End the node processes recorded in this cluster directory (only those that still are its nodes)"
                + " and remove stale pid files and the layout, freeing the ports. Logs are kept.")
final class CleanCommand implements Callable<Integer> {

    @Mixin
    LocalOptions local;

    @Override
    public Integer call() {
        List<Long> ended = LocalCluster.clean(local.dir);
        System.out.println(ended.isEmpty() ? "nothing was running; state removed"
                : "ended " + ended.size() + " node processes " + ended + "; state removed");
        return 0;
    }
}
