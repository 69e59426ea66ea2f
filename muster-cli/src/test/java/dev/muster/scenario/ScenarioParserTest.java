package dev.muster.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScenarioParserTest {

    private static final String HEAD = "name: t\ncluster: { size: 5 }\nsteps:\n  - wait: formed\n";

    private static Scenario parse(String text) {
        return ScenarioParser.parse("t.yaml", text, "t");
    }

    @Test
    void readsTheIssuesExampleStepByStepWithItsLines() {
        Scenario s = parse("""
                name: leader-failover
                cluster: { size: 5, mode: process }
                steps:
                  - wait: formed
                  - kill: leader
                  - expect: { leader: elected, within: 3s }
                  - partition: [[1, 2, 3], [4, 5]]
                  - expect: { leaders: 1, within: 5s }
                  - heal: {}
                  - expect: { formed: true, within: 10s }
                  - inject: { content: "hello", energy: 10 }
                  - expect: { coverage: 100%, within: 2s }
                """);
        assertThat(s.name()).isEqualTo("leader-failover");
        assertThat(s.size()).isEqualTo(5);
        assertThat(s.mode()).isEqualTo("process");
        assertThat(s.steps()).hasSize(9);
        assertThat(s.steps().get(0)).isEqualTo(new Scenario.Wait(4, "formed", null, null));
        assertThat(s.steps().get(1)).isEqualTo(new Scenario.Kill(5, new Scenario.Target.Leader()));
        assertThat(s.steps().get(2)).isEqualTo(new Scenario.Expect(6, Map.of("leader", "elected"), Duration.ofSeconds(3)));
        assertThat(((Scenario.Partition) s.steps().get(3)).sides()).containsExactly(Set.of(1, 2, 3), Set.of(4, 5));
        assertThat(s.steps().get(5)).isEqualTo(new Scenario.Heal(9));
        assertThat(s.steps().get(7)).isEqualTo(new Scenario.Inject(11, "hello", 10, 3, 1));
        assertThat(((Scenario.Expect) s.steps().get(8)).conditions()).containsEntry("coverage", 1.0);
        assertThat(s.highestIndex()).isEqualTo(5);
    }

    @Test
    void aProfileGivesItsSizeAndNodesAreIndexesOrNames() {
        Scenario s = parse("cluster: { profile: medium, mode: embedded }\nseed: 42\nsteps:\n  - kill: node-7\n"
                + "  - restart: all\n  - stop: random\n  - start: 7\n  - expect: { dead: [node-3, 4], seen_by: [1] }\n");
        assertThat(s.size()).isEqualTo(15);
        assertThat(s.mode()).isEqualTo("embedded");
        assertThat(s.seed()).isEqualTo(42);
        assertThat(s.name()).isEqualTo("t");
        assertThat(s.steps()).containsExactly(new Scenario.Kill(4, new Scenario.Target.Node(7)),
                new Scenario.Restart(5, new Scenario.Target.All()), new Scenario.Stop(6, new Scenario.Target.Random()),
                new Scenario.Start(7, 7), new Scenario.Expect(8, Map.of("dead", List.of(3, 4), "seen_by", List.of(1)),
                        ScenarioParser.DEFAULT_WITHIN));
    }

    @Test
    void pauseDelayAndLossTakeANodeAndTheirAmount() {
        Scenario s = parse(HEAD + "  - pause: { node: 3, for: 5s }\n  - delay: { node: leader, by: 200ms, jitter: 50ms }\n"
                + "  - loss: { node: node-2, rate: 10% }\n");
        assertThat(s.steps().subList(1, 4)).containsExactly(
                new Scenario.Pause(5, new Scenario.Target.Node(3), Duration.ofSeconds(5)),
                new Scenario.Delay(6, new Scenario.Target.Leader(), Duration.ofMillis(200), Duration.ofMillis(50)),
                new Scenario.Loss(7, new Scenario.Target.Node(2), 0.1));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "  - pause: { node: 3 }              | t.yaml:5: pause.for is missing",
        "  - delay: { node: 3, by: 1s, jitter: 2s } | t.yaml:5: delay.by '1s' must be at most",
        "  - loss: { node: 3, rate: 0% }     | t.yaml:5: loss.rate '0%' must be a share above 0% up to 100%",
        "  - explode: now                    | t.yaml:5: unknown step 'explode'; the steps are wait, kill",
        "  - kill: 9                         | t.yaml:5: kill 9 names node 9 of a 5-node cluster",
        "  - kill: all                       | t.yaml:5: kill 'all' must be a node (1..5 or node-N), leader, random",
        "  - partition: [[1, 2], [2, 3]]     | t.yaml:5: partition names node 2 twice",
        "  - partition: 1-3                  | t.yaml:5: partition must be a list of sides",
        "  - expect: { leader: elected, within: soon } | t.yaml:5: expect.within 'soon' is not a duration",
        "  - expect: { within: 3s }          | t.yaml:5: expect names no condition",
        "  - expect: { quorum: true }        | t.yaml:5: unknown key expect.quorum",
        "  - expect: { coverage: 150% }      | t.yaml:5: expect.coverage '150%' must be a share",
        "  - expect: { formed: false }       | t.yaml:5: expect.formed 'false' must be true",
        "  - expect: { leader: elected, within: 1h } | t.yaml:5: expect.within '1h' must be at most 10m",
        "  - inject: { energy: 10 }          | t.yaml:5: inject.content is missing",
        "  - inject: { content: x, energy: 99 } | t.yaml:5: inject.energy '99' must be a whole number from 0 to 64",
        "  - submit: { agents: 0 }           | t.yaml:5: submit.agents '0' must be a whole number from 1 to 1000",
        "  - heal: now                       | t.yaml:5: heal takes no value",
        "  - wait: forever                   | t.yaml:5: wait 'forever' must be formed, leader or a duration",
        "  - { kill: 1, stop: 2 }            | t.yaml:5: a step is one 'key: value'",
        "  - kill: [1                        | t.yaml:5: not valid YAML"})
    void aBadStepIsAnErrorNamingItsLine(String step, String message) {
        assertThatThrownBy(() -> parse(HEAD + step.strip().replaceFirst("^-", "  -") + "\n"))
                .isInstanceOf(ScenarioException.class).hasMessageStartingWith(message)
                .extracting(e -> ((ScenarioException) e).line()).isEqualTo(5);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "'cluster: { size: 0 }\nsteps:\n  - wait: formed\n' | t.yaml:1: cluster.size '0' must be a whole number from 1 to 100",
        "'cluster: { size: 3, mode: docker }\nsteps:\n  - wait: formed\n' | t.yaml:1: cluster.mode 'docker' must be process or embedded",
        "'cluster: { profile: giant }\nsteps:\n  - wait: formed\n' | t.yaml:1: cluster.profile 'giant' must be small",
        "'steps:\n  - wait: formed\n' | t.yaml:1: cluster.size (or cluster.profile) is missing",
        "'cluster: { size: 3 }\n' | t.yaml:1: steps are missing",
        "'cluster: { size: 3 }\nsteps: []\n' | t.yaml:2: steps are missing",
        "'cluster: { size: 3 }\nstep:\n  - wait: formed\n' | t.yaml:2: unknown key 'step'",
        "'cluster: { size: 3 }\ncluster: { size: 4 }\nsteps:\n  - wait: formed\n' | t.yaml:2: not valid YAML: Duplicate field 'cluster'",
        "'- wait: formed\n' | t.yaml:1: a scenario is a map",
        "'name: \"two words\"\ncluster: { size: 3 }\nsteps:\n  - wait: formed\n' | t.yaml:1: name '\"two words\"' must be"})
    void aBadFileIsAnErrorNamingItsLine(String text, String message) {
        assertThatThrownBy(() -> parse(text.replace("\\n", "\n"))).isInstanceOf(ScenarioException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void everyShippedScenarioParses() throws Exception {
        Path dir = Path.of("..", "scenarios");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files.stream().map(f -> f.getFileName().toString())).contains("formation-small.yaml",
                "formation-medium.yaml", "formation-large.yaml", "formation-huge.yaml", "leader-failover.yaml",
                "partition-heal.yaml", "rolling-restart.yaml", "agent-failover.yaml", "diffusion-coverage.yaml");
        for (Path f : files) {
            Scenario s = ScenarioParser.parse(f);
            assertThat(s.name() + ".yaml").isEqualTo(f.getFileName().toString());
        }
    }

    @Test
    void theSizeFollowsTheEnvironmentButNeverDropsBelowTheNodesTheStepsName() {
        Scenario s = parse("cluster: { size: 50 }\nsteps:\n  - kill: 4\n");
        String[] note = new String[1];
        java.util.function.Function<Map<String, String>, Integer> size = env -> ScenarioRun.size(s,
                new ScenarioRun.Settings(null, null, null, 1, null, false, null, false, env, r -> { }), note);
        assertThat(size.apply(Map.of())).isEqualTo(50);
        assertThat(size.apply(Map.of("CLUSTER_SIZE", "10"))).isEqualTo(10);
        assertThat(note[0]).isEqualTo("CLUSTER_SIZE=10; the file says 50");
        assertThat(size.apply(Map.of("CLUSTER_SIZE", "10", "CI_CLUSTER_SIZE", "3"))).isEqualTo(10); // CI unset
        assertThat(size.apply(Map.of("CI", "true", "CLUSTER_SIZE", "10", "CI_CLUSTER_SIZE", "2"))).isEqualTo(4);
        assertThat(note[0]).startsWith("CI_CLUSTER_SIZE=2 raised to 4, the highest node a step names");
        assertThatThrownBy(() -> size.apply(Map.of("CLUSTER_SIZE", "many"))).hasMessage(
                "CLUSTER_SIZE 'many' must be a whole number");
    }
}
