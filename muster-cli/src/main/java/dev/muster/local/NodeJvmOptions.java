package dev.muster.local;

import java.util.ArrayList;
import java.util.List;

/**
 * JVM flags of a node process, tuned for a fast start and a small footprint on a small machine
 * (measured in docs/benchmarks.md): serial GC, C1 only, a small heap, code cache and metaspace,
 * small thread stacks, no perf-data file. LocalCluster adds a class-data sharing archive.
 */
public final class NodeJvmOptions {

    private NodeJvmOptions() {}

    /** The flags, for this JVM's version. */
    public static List<String> defaults() {
        List<String> opts = new ArrayList<>(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-Xms16m", "-Xmx64m", "-XX:ReservedCodeCacheSize=16m", "-XX:MaxMetaspaceSize=64m", "-XX:-UsePerfData"));
        if (Runtime.version().feature() >= 22) {
            // JNA (OSHI) and Ratis's Netty load native libraries; started with -cp, the jar manifest's
            // Enable-Native-Access does not apply, and JDK 22+ warns on every node's stderr without this
            opts.add("--enable-native-access=ALL-UNNAMED");
        }
        if (Runtime.version().feature() >= 23) {
            opts.add("--sun-misc-unsafe-memory-access=allow"); // Netty; the flag exists from JDK 23 on
        }
        return opts;
    }
}
