package dev.muster.cli;

import dev.muster.local.LocalCluster;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every local-cluster command shares: where the cluster lives, and JSON output. */
final class LocalOptions {

    @Option(names = "--dir", defaultValue = ".muster", paramLabel = "DIR",
            description = "Cluster directory: layout, pid files, logs (default ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    LocalCluster open() {
        return LocalCluster.open(dir, nodeJvmOptions(dir));
    }

    /** The flags of a node process: {@link NodeJvmOptions#defaults()}. */
    static List<String> nodeJvmOptions(Path dir) {
        return dev.muster.local.NodeJvmOptions.defaults();
    }

    /** An integer from the environment, or the default; a bad value names the variable. */
    static int env(String name, int fallback) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + v + "' must be a whole number");
        }
    }
}
