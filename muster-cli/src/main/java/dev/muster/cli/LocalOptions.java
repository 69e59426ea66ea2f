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
     * machine (measured in docs/benchmarks.md): serial GC, C1 only, a small heap, code cache and
     * metaspace, small thread stacks, no perf-data file. LocalCluster adds a class-data sharing
     * archive.
     */
    static List<String> nodeJvmOptions(Path dir) {
        List<String> opts = new ArrayList<>(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-Xms16m", "-Xmx64m", "-XX:ReservedCodeCacheSize=16m", "-XX:MaxMetaspaceSize=64m", "-XX:-UsePerfData"));
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
