package dev.muster.testkit.spi;

import java.nio.file.Path;

/**
 * Runs a YAML scenario file on a real cluster, for {@link dev.muster.testkit.Scenarios}. The
 * testkit holds no cluster launcher of its own: {@code dev.muster:muster-cli} provides the engine
 * (through {@link java.util.ServiceLoader}), which starts a local cluster per file as
 * {@code muster scenario run} does.
 */
public interface ScenarioEngine {

    /** What a run gave: whether every step passed, and the report as {@code muster scenario run} prints it. */
    record Outcome(boolean passed, String report) {}

    /**
     * Runs {@code file} from start to end, starting and stopping its cluster.
     *
     * @param slack multiplies every {@code within} of the file, 1..100
     * @param maxSize runs the file at most this large (never below the highest node a step names); 0 for no cap
     * @throws IllegalArgumentException when the file cannot run (a malformed file, naming the line)
     */
    Outcome run(Path file, double slack, int maxSize);
}
