package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muster.Durations;
import dev.muster.local.LocalCluster;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code muster node start|stop|kill|restart INDEX}: one node of the local cluster; {@code muster
 * node info ID}: one member in detail, through the REST API.
 */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Start, stop, kill or restart one node of the local cluster; show one member in detail.",
        subcommands = {NodeCommand.Start.class, NodeCommand.Stop.class, NodeCommand.Kill.class, NodeCommand.Restart.class,
                NodeCommand.Info.class})
final class NodeCommand {

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Show one member as a node sees it: state, role, status, addresses, load, services, metadata.")
    static final class Info implements Callable<Integer> {
        @Mixin
        LocalOptions local;

        @Mixin
        ApiOptions remote;

        @Parameters(paramLabel = "ID", description = "The member's name (node-3), or a local node's index (3).")
        String id;

        @Override
        public Integer call() {
            String name = NodesCommand.nodeName("ID", id);
            JsonNode m = remote.api(local).get("/api/cluster/nodes/" + name).orThrow();
            System.out.print(local.json ? m.toPrettyString() + "\n" : NodesCommand.detail(m));
            return 0;
        }
    }

    abstract static class One implements Callable<Integer> {
        @Mixin
        LocalOptions local;

        @Parameters(paramLabel = "INDEX", description = "The node's index (node-INDEX).")
        int index;

        @Option(names = "--timeout", defaultValue = "60s", description = "How long it may take to join (default ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() {
            LocalCluster cluster = local.open();
            System.out.println(run(cluster));
            return 0;
        }

        abstract String run(LocalCluster cluster);
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a stopped node again (same name and ports).")
    static final class Start extends One {
        @Override String run(LocalCluster c) {
            c.startNode(index, Durations.parse("--timeout", timeout));
            return "started " + c.name(index) + " (pid " + c.pid(index).orElse(-1) + ")";
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a node gracefully: it leaves the cluster.")
    static final class Stop extends One {
        @Override String run(LocalCluster c) {
            if (!c.stop(index)) {
                throw new IllegalArgumentException(c.name(index) + " is not running");
            }
            return "stopped " + c.name(index);
        }
    }

    @Command(name = "kill", mixinStandardHelpOptions = true, description = "Kill a node with SIGKILL: a crash the others must detect.")
    static final class Kill extends One {
        @Override String run(LocalCluster c) {
            c.kill(index);
            return "killed " + c.name(index);
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true, description = "Stop a node and start it again under the same name and ports.")
    static final class Restart extends One {
        @Override String run(LocalCluster c) {
            c.restart(index, Durations.parse("--timeout", timeout));
            return "restarted " + c.name(index) + " (pid " + c.pid(index).orElse(-1) + ")";
        }
    }
}
