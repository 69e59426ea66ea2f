package dev.muster.cli;

import dev.muster.local.LocalCluster;
import java.nio.file.Path;
import java.util.ArrayList;
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

    /**
     * JVM flags of a node process, tuned for a fast start and a small footprint on a small
     * machine (docs/benchmarks.md has the measurements): serial GC, C1 only, a small heap and
     * thread stacks, and a class-data sharing archive created by the first node that starts
     * and used by every later one (it is rebuilt by the JVM when the jar changes).
     */
    static List<String> nodeJvmOptions(Path dir) {
        List<String> opts = new ArrayList<>(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-Xms16m", "-Xmx96m", "-XX:ReservedCodeCacheSize=32m", "-XX:-UsePerfData",
                "-XX:+AutoCreateSharedArchive",
                "-XX:SharedArchiveFile=" + dir.toAbsolutePath().normalize().resolve("muster-node.jsa")));
        if (Runtime.version().feature() >= 23) {
            opts.add("--sun-misc-unsafe-memory-access=allow"); // Netty; the flag exists from JDK 23 on
        }
        return opts;
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
