package dev.muster.scenario;

import dev.muster.testkit.spi.ScenarioEngine;
import java.nio.file.Path;

/**
 * The testkit's scenario engine: each file runs as {@code muster scenario run FILE} would, on a
 * local cluster of its own (process or embedded, as the file says) with free ports in a temporary
 * directory, stopped and removed after.
 */
public final class LocalScenarioEngine implements ScenarioEngine {

    @Override
    public Outcome run(Path file, double slack, int maxSize) {
        Scenario scenario = ScenarioParser.parse(file);
        ScenarioRun.Settings settings = ScenarioRun.Settings.defaults().withSlack(slack);
        int size = ScenarioRun.size(scenario, settings, new String[1]);
        if (maxSize > 0 && size > maxSize) {
            settings = settings.withSize(Math.max(maxSize, scenario.highestIndex()));
        }
        ScenarioReport report = ScenarioRun.run(scenario, file.toString(), settings);
        return new Outcome(report.passed(), report.text());
    }
}
