package dev.muster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class SimCommandTest {

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

    @Test
    void printsTheReportAsJsonWithTheDocumentedFields() throws Exception {
        Result r = run("sim", "--nodes", "20", "--seed", "7", "--crash", "2", "--duration", "60s", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        for (String field : new String[] {"nodes", "seed", "join_convergence_ms", "detection_ms", "false_positives",
            "msgs_per_node_per_s", "bytes_per_node_per_s", "sim_seconds", "wall_ms"}) {
            assertThat(json.has(field)).as("field %s in %s", field, r.out()).isTrue();
        }
        assertThat(json.get("nodes").asInt()).isEqualTo(20);
        assertThat(json.get("detection_ms").get("p99").isNumber()).isTrue();
        assertThat(json.get("sim_seconds").asDouble()).isEqualTo(60.0);
    }

    @Test
    void theSameSeedPrintsTheSameTrace() throws Exception {
        ObjectMapper m = new ObjectMapper();
        String a = m.readTree(run("sim", "--nodes", "15", "--seed", "3", "--loss", "5%", "--json").out())
                .get("trace_sha256").asText();
        String b = m.readTree(run("sim", "--nodes", "15", "--seed", "3", "--loss", "0.05", "--json").out())
                .get("trace_sha256").asText();
        assertThat(b).isEqualTo(a);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--nodes 0 | nodes (0) must be between 1 and 20000",
        "--nodes abc | Invalid value for option '--nodes'",
        "--loss 150% | --loss '150%' must be a fraction from 0 to below 1",
        "--duration 10 | --duration '10' is not a duration",
        "--profile fast | profile 'fast' is unknown",
        "--nodes 10 --crash 6 | crash (6) must be between 0 and half the nodes (5)"})
    void badArgumentsGiveOneClearErrorAndRunNothing(String args, String message) {
        Result r = run(("sim " + args).split(" "));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(message);
        assertThat(r.err().lines().count()).as("one error line and a pointer to --help: %s", r.err()).isLessThanOrEqualTo(2);
        assertThat(r.out()).isEmpty();
    }
}
