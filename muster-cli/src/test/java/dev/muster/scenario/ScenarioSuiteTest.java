package dev.muster.scenario;

import dev.muster.testkit.Scenarios;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The shipped scenarios/ folder, run through the testkit's JUnit support as CI runs it: every
 * file on a real local cluster of node processes, at most five nodes (the formation files at
 * the larger profiles run small here; {@code muster scenario run} runs them at full size).
 */
class ScenarioSuiteTest {

    @TestFactory
    Stream<DynamicTest> theShippedScenariosPass() {
        return Scenarios.testsAtMost(5, Path.of("..", "scenarios"));
    }
}
