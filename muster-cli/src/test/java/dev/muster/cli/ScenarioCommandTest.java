package dev.muster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code muster scenario}: real runs on small embedded clusters, and the errors for bad files and arguments. */
class ScenarioCommandTest {

    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private Path file(String name, String text) throws Exception {
        return Files.writeString(tmp.resolve(name), text);
    }

    @Test
    void aFailingExpectationFailsTheRunSkipsTheRestAndPrintsTheSeedToReplay() throws Exception {
        Path f = file("crash.yaml", """
                name: crash
                cluster: { size: 3, mode: embedded }
                seed: 11
                steps:
                  - wait: formed
                  - kill: random
                  - expect: { alive: 2, within: 30s }
                  - expect: { alive: 3, within: 2s }
                  - heal: {}
                """);
        Result r = run("scenario", "run", f.toString(), "--json");
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        JsonNode report = new ObjectMapper().readTree(r.out());
        assertThat(report.get("passed").asBoolean()).isFalse();
        assertThat(report.get("seed").asLong()).isEqualTo(11);
        assertThat(report.get("mode").asText()).isEqualTo("embedded");
        JsonNode steps = report.get("steps");
        assertThat(steps.get(1).get("detail").asText()).startsWith("killed node-");
        assertThat(steps.get(2).get("outcome").asText()).isEqualTo("pass");
        assertThat(steps.get(3).get("outcome").asText()).isEqualTo("fail");
        assertThat(steps.get(3).get("line").asInt()).isEqualTo(8);
        assertThat(steps.get(3).get("detail").asText()).contains("sees 2 alive, not 3");
        assertThat(steps.get(4).get("outcome").asText()).isEqualTo("skip");

        // the same seed kills the same node
        Result again = run("scenario", "run", f.toString(), "--json");
        assertThat(new ObjectMapper().readTree(again.out()).get("steps").get(1).get("detail").asText())
                .isEqualTo(steps.get(1).get("detail").asText());
    }

    @Test
    void aPassingRunPrintsEveryStepAndExitsZero() throws Exception {
        Path f = file("ok.yaml", """
                name: ok
                cluster: { size: 3, mode: embedded }
                steps:
                  - wait: formed
                  - wait: leader
                  - partition: [[1, 2], [3]]
                  - expect: { dead: [3], seen_by: [1, 2], within: 60s }
                  - heal: {}
                  - expect: { formed: true, within: 60s }
                  - inject: { content: "hi", energy: 5, node: 3 }
                  - expect: { coverage: 100%, within: 10s }
                  - delay: { node: 2, by: 100ms }
                  - loss: { node: 3, rate: 5% }
                  - expect: { formed: true, within: 10s }
                  - heal: {}
                """);
        Result r = run("scenario", "run", f.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("scenario ok (" + f + "): 3 nodes, embedded, seed ")
                .contains("PASS  line   6  partition [[1, 2], [3]]").contains("partitioned node-1,node-2 / node-3")
                .contains("PASS  line  12  delay 2 by 100ms").contains("PASS  line  13  loss 3 5%").contains("PASSED in ");
    }

    @Test
    void aBadFileStopsBeforeAnyClusterStartsAndNamesTheLine() throws Exception {
        Path good = file("a.yaml", "cluster: { size: 3 }\nsteps:\n  - wait: formed\n");
        Path bad = file("b.yaml", "cluster: { size: 3 }\nsteps:\n  - wait: formed\n  - expect: { quorum: true }\n");
        Result r = run("scenario", "run", good.toString(), bad.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(bad + ":4: unknown key expect.quorum");
        assertThat(r.err()).doesNotContain("running " + good); // nothing ran

        Result check = run("scenario", "check", tmp.toString());
        assertThat(check.code()).isEqualTo(2);
        assertThat(check.out()).contains(good + ": ok, a, 3 nodes, 1 steps");
        assertThat(check.err()).contains(bad + ":4: unknown key expect.quorum");
    }

    @Test
    void badArgumentsNameTheOption() throws Exception {
        Path good = file("a.yaml", "cluster: { size: 3 }\nsteps:\n  - wait: formed\n");
        assertThat(run("scenario", "run", good.toString(), "--mode", "docker").err())
                .contains("--mode 'docker' must be process or embedded");
        assertThat(run("scenario", "run", good.toString(), "--slack", "0.5").err())
                .contains("--slack '0.5' must be from 1 to 100");
        assertThat(run("scenario", "run", tmp.resolve("none.yaml").toString()).err())
                .contains("is no scenario file or directory");
        Result running = run("scenario", "run", good.toString(), "--running", "--dir", tmp.resolve("empty").toString());
        assertThat(running.code()).isEqualTo(2);
        assertThat(running.err()).contains("no cluster in");
    }
}
