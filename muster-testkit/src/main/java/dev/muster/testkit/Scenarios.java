package dev.muster.testkit;

import dev.muster.testkit.spi.ScenarioEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * YAML scenario files as JUnit tests: one dynamic test per file, which fails with the scenario's
 * report (every step, its time, the seed to replay) when a step fails.
 *
 * <pre>{@code
 * @TestFactory
 * Stream<DynamicTest> scenarios() {
 *     return Scenarios.tests(Path.of("scenarios"));
 * }
 * }</pre>
 *
 * Each file starts its own local cluster (free ports, a temporary directory) and stops it after,
 * pass or fail. The size follows the file unless {@code CI_CLUSTER_SIZE} (with {@code CI} set) or
 * {@code CLUSTER_SIZE} says otherwise; the slack multiplying every {@code within} is the system
 * property {@code muster.scenario.slack}, else 2 when {@code CI} is set (a shared CI host), else 1.
 * Needs {@code dev.muster:muster-cli} on the test class path, which provides the engine.
 */
public final class Scenarios {

    private Scenarios() {}

    /** One test per scenario file: the files named, and the .yaml/.yml files of the directories named. */
    public static Stream<DynamicTest> tests(Path... filesOrDirectories) {
        return testsAtMost(0, filesOrDirectories);
    }

    /**
     * As {@link #tests}, each file at most {@code maxSize} nodes (a suite at small sizes; a file
     * still gets as many nodes as its steps name). 0 caps nothing.
     */
    public static Stream<DynamicTest> testsAtMost(int maxSize, Path... filesOrDirectories) {
        if (maxSize < 0) {
            throw new IllegalArgumentException("maxSize (" + maxSize + ") must be 0 (no cap) or more");
        }
        return files(filesOrDirectories).stream()
                .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), f.toUri(), () -> run(f, maxSize)));
    }

    /**
     * Runs one scenario file.
     *
     * @throws AssertionError with the report, when a step fails
     */
    public static void run(Path file) {
        run(file, 0);
    }

    private static void run(Path file, int maxSize) {
        ScenarioEngine.Outcome outcome = engine().run(file, slack(), maxSize);
        System.out.print(outcome.report());
        if (!outcome.passed()) {
            throw new AssertionError("scenario " + file + " failed:\n" + outcome.report());
        }
    }

    static double slack() {
        String p = System.getProperty("muster.scenario.slack");
        if (p != null && !p.isBlank()) {
            try {
                return Double.parseDouble(p.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("muster.scenario.slack '" + p + "' must be a number from 1 to 100");
            }
        }
        return System.getenv("CI") != null ? 2 : 1;
    }

    private static ScenarioEngine engine() {
        return ServiceLoader.load(ScenarioEngine.class).findFirst().orElseThrow(() -> new IllegalStateException(
                "no scenario engine on the class path: add the test dependency dev.muster:muster-cli, which starts the"
                        + " local clusters scenarios run on"));
    }

    private static List<Path> files(Path... given) {
        List<Path> out = new ArrayList<>();
        for (Path p : given) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().forEach(out::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + p, e);
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new IllegalArgumentException("'" + p + "' is no scenario file or directory");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(List.of(given) + " holds no .yaml scenario");
        }
        return out;
    }
}
