package dev.muster.scenario;

import dev.muster.local.LocalCluster;
import dev.muster.local.NodeJvmOptions;
import dev.muster.local.PortBlock;
import dev.muster.scenario.ScenarioReport.StepResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * One run of a scenario file from start to end: reads it, settles the size, seed and ports,
 * starts a local cluster (or takes the running one), runs the steps with a {@link ScenarioRunner},
 * and stops and removes the cluster it started, pass or fail.
 *
 * <p>The size is, in falling precedence: {@link Settings#size()}, {@code CI_CLUSTER_SIZE} (read only
 * when {@code CI} is set), {@code CLUSTER_SIZE}, the file's. It never goes below the highest node
 * a step names (a partition of nodes 4 and 5 needs five nodes), and the report says why it differs
 * from the file's.
 *
 * <p>Thread-safe: each run has its own cluster, directory and ports.
 */
public final class ScenarioRun {

    private static final String HOST = "127.0.0.1";

    private ScenarioRun() {}

    /**
     * How to run: every field may be null (or the default) to take the file's value or a fresh one.
     *
     * @param size nodes, overriding the file and the environment
     * @param mode process or embedded, overriding the file
     * @param seed the seed of random choices, overriding the file's
     * @param slack multiplies every {@code within}
     * @param dir where the started cluster lives (a temporary directory when null), or the running cluster's
     * @param useRunning run on the cluster in {@code dir} instead of starting one (left running)
     * @param basePort node-1's gossip port; null picks free ports
     * @param keep leave the started cluster running (and its directory) after the run
     * @param env the environment the size overrides come from
     */
    public record Settings(Integer size, String mode, Long seed, double slack, Path dir, boolean useRunning,
                           Integer basePort, boolean keep, Map<String, String> env, Consumer<StepResult> progress) {

        /** The file as written, in a fresh temporary cluster, with the process environment. */
        public static Settings defaults() {
            return new Settings(null, null, null, 1, null, false, null, false, System.getenv(), r -> { });
        }

        public Settings withSlack(double s) {
            return new Settings(size, mode, seed, s, dir, useRunning, basePort, keep, env, progress);
        }

        public Settings withSize(Integer n) {
            return new Settings(n, mode, seed, slack, dir, useRunning, basePort, keep, env, progress);
        }

        public Settings withProgress(Consumer<StepResult> p) {
            return new Settings(size, mode, seed, slack, dir, useRunning, basePort, keep, env, p);
        }
    }

    /**
     * Runs {@code file}.
     *
     * @throws ScenarioException when the file cannot run (nothing was started)
     */
    public static ScenarioReport run(Path file, Settings settings) {
        return run(ScenarioParser.parse(file), file.toString(), settings);
    }

    /** Runs a parsed scenario; {@code file} names it in the report. */
    public static ScenarioReport run(Scenario parsed, String file, Settings settings) {
        long t0 = System.nanoTime();
        String[] note = {""};
        int size = settings.useRunning() ? 0 : size(parsed, settings, note);
        long seed = settings.seed() != null ? settings.seed()
                : parsed.seed() != 0 ? parsed.seed() : ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        String mode = settings.mode() != null ? settings.mode() : parsed.mode();
        LocalCluster cluster;
        Path dir = settings.dir();
        boolean started = false;
        boolean madeDir = false;
        PortBlock ports = null;
        try {
            if (settings.useRunning()) {
                cluster = LocalCluster.open(dir, NodeJvmOptions.defaults());
                size = cluster.size();
                mode = cluster.mode();
                if (parsed.highestIndex() > size) {
                    throw new ScenarioException(file, 0, "the scenario names node " + parsed.highestIndex()
                            + " but the running cluster in " + dir + " has " + size + " nodes");
                }
            } else {
                if (dir == null) {
                    dir = Files.createTempDirectory("muster-scenario-");
                    madeDir = true;
                }
                try {
                    ports = settings.basePort() == null ? PortBlock.reserve(size, HOST) : null;
                    int base = ports != null ? ports.base() : settings.basePort();
                    cluster = LocalCluster.create(dir, "scenario-" + parsed.name(), size, mode, HOST, base, base + 1,
                            LocalCluster.MIN_PORT_SPACING, NodeJvmOptions.defaults());
                } catch (RuntimeException e) {
                    closeQuietly(ports);
                    if (madeDir) {
                        dev.muster.local.Trees.deleteQuietly(dir);
                    }
                    throw e;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a directory for the scenario's cluster", e);
        }
        Scenario scenario = parsed.with(size, seed);
        String error = null;
        List<StepResult> results = List.of();
        try {
            if (!settings.useRunning()) {
                started = true;
                cluster.start(Math.min(size, 8), true,
                        Duration.ofNanos((long) (ScenarioRunner.START_WITHIN.toNanos() * settings.slack())), (p, d, t) -> { });
            }
            results = new ScenarioRunner(cluster, seed, settings.slack(), parsed.name(), settings.progress())
                    .run(scenario.steps());
        } catch (RuntimeException e) {
            error = "the cluster did not start: " + e.getMessage();
        } finally {
            if (started && !settings.keep()) {
                cluster.stopAll();
                if (madeDir) {
                    dev.muster.local.Trees.deleteQuietly(dir);
                }
            }
            if (!settings.keep()) {
                closeQuietly(ports); // a kept cluster holds its ports until this JVM exits
            }
        }
        return new ScenarioReport(parsed.name(), file, size, note[0], mode, seed, settings.slack(), results,
                (System.nanoTime() - t0) / 1_000_000, error);
    }

    /** The size the scenario runs at; {@code note[0]} says why it is not the file's. */
    static int size(Scenario s, Settings settings, String[] note) {
        Integer n = settings.size();
        String source = "--size";
        Map<String, String> env = settings.env();
        if (n == null && env.get("CI") != null && env.get("CI_CLUSTER_SIZE") != null) {
            n = envInt(env, "CI_CLUSTER_SIZE");
            source = "CI_CLUSTER_SIZE";
        }
        if (n == null && env.get("CLUSTER_SIZE") != null) {
            n = envInt(env, "CLUSTER_SIZE");
            source = "CLUSTER_SIZE";
        }
        if (n == null) {
            return s.size();
        }
        if (n < 1 || n > LocalCluster.MAX_SIZE) {
            throw new IllegalArgumentException(source + " (" + n + ") must be between 1 and " + LocalCluster.MAX_SIZE);
        }
        if (n < s.highestIndex()) {
            note[0] = source + "=" + n + " raised to " + s.highestIndex() + ", the highest node a step names; the file says "
                    + s.size();
            return s.highestIndex();
        }
        if (n != s.size()) {
            note[0] = source + "=" + n + "; the file says " + s.size();
        }
        return n;
    }

    private static int envInt(Map<String, String> env, String name) {
        String v = env.get(name).strip();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " '" + v + "' must be a whole number");
        }
    }

    private static void closeQuietly(PortBlock ports) {
        if (ports != null) {
            ports.close();
        }
    }
}
