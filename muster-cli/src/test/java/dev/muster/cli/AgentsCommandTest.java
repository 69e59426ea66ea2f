package dev.muster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * The client commands' arguments ({@code agents}, {@code balance}, {@code stats}) and
 * {@code serve --agent-type}: a bad one is one clear line naming it and its rule, exit code 2,
 * before any node is asked; and how answers are shown.
 */
class AgentsCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** What one run of the command line printed, and its exit code. */
    record Run(int code, String out, String err) {}

    /** Runs the command line with its output captured (commands print to System.out, errors to picocli's err). */
    static Run run(List<String> args) {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream before = System.out;
        int code;
        synchronized (AgentsCommandTest.class) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            try {
                code = cli.execute(args.toArray(String[]::new));
            } finally {
                System.setOut(before);
            }
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "agents run bad/id --type counter | ID: agent name 'bad/id' must be 1 to 128 characters of A-Z, a-z, 0-9",
        "agents run job-1 --type two.words! | --type: agent type name 'two.words!' must be 1 to 128 characters",
        "agents run job-1 --type counter --service a,b | --service: service name 'a,b' must be 1 to 128 characters",
        "agents run job-1 | Missing required option: '--type=TYPE'",
        "agents run --type counter | Missing required parameter: 'ID'",
        "agents stop bad!id | ID: agent name 'bad!id'",
        "agents stop | Missing required parameter: 'ID'",
        "agents migrate job-1 | Missing required parameter: 'NODE'",
        "agents migrate job-1 node/2 | NODE: node name 'node/2' must be 1 to 128 characters",
        "agents migrate bad/id node-2 | ID: agent name 'bad/id'",
        "agents ls extra | Unmatched argument at index 2: 'extra'",
        "agents frobnicate | Unmatched arguments from index 1: 'frobnicate'",
        "balance fastest | strategy 'fastest' does not exist; use one of round-robin, least-loaded, least-agents",
        "balance | Missing required parameter: 'STRATEGY'",
        "serve --agent-type nothing | Invalid value for option '--agent-type'",
        "serve --agent-type x= | 'x=' must be NAME=CLASS",
        "serve --agent-type bad/name=dev.muster.agents.CounterAgent | agent type name 'bad/name' must be 1 to 128",
        "serve --agent-type mine=no.such.Agent | agent type mine: no class no.such.Agent on the class path",
        "serve --agent-type mine=java.lang.String | java.lang.String does not implement dev.muster.agents.Agent",
        "serve --agent-type counter=dev.muster.agents.CounterAgent | agent type 'counter' is registered already"})
    void badArgumentsAreOneClearErrorWithExitCode2(String args, String message) {
        assertRefused(dir, args, message);
    }

    /**
     * Runs {@code args} (split at spaces; but for serve, with {@code --dir} of {@code emptyDir}, where
     * no cluster is) and asserts exit code 2, {@code message} on stderr and nothing on stdout.
     */
    static void assertRefused(Path emptyDir, String args, String message) {
        List<String> argv = new ArrayList<>(List.of(args.split(" ")));
        if (!argv.get(0).equals("serve")) {
            argv.addAll(List.of("--dir", emptyDir.toString())); // no cluster here: nothing may be asked
        }
        Run r = run(argv);
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aCommandWithoutAClusterSaysWhereItLooked() {
        Run r = run(List.of("agents", "ls", "--dir", dir.toString()));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no cluster in " + dir).contains("muster start");
    }

    @Test
    void agentTypesAreTheBuiltInOnesAndThoseGivenEachNameOnce() {
        ServeCommand cmd = new ServeCommand();
        new CommandLine(cmd).parseArgs("--agent-type", "ticks=dev.muster.agents.CounterAgent",
                "--agent-type", " job = dev.muster.agents.CommandAgent");
        assertThat(cmd.agentTypes().names()).containsExactly("command", "counter", "job", "ticks");

        ServeCommand twice = new ServeCommand();
        new CommandLine(twice).parseArgs("--agent-type", "a=dev.muster.agents.CounterAgent",
                "--agent-type", "a=dev.muster.agents.CommandAgent");
        assertThatThrownBy(twice::agentTypes).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("'--agent-type': 'a=dev.muster.agents.CommandAgent': agent type 'a' is registered"
                        + " already; give each NAME once");
    }

    @Test
    void theTableShowsEveryAgentWithItsNodeAndPhase() throws Exception {
        JsonNode list = JSON.readTree("""
                [{"id": "job-1", "type": "command", "node": "node-2", "epoch": 3, "phase": "running", "message": "",
                  "migrate_to": null},
                 {"id": "long-agent-name", "type": "counter", "node": "node-1", "epoch": 1, "phase": "migrating",
                  "message": "", "migrate_to": "node-3"},
                 {"id": "x", "type": "no-such", "node": null, "epoch": 0, "phase": "pending", "message": "", "migrate_to": null},
                 {"id": "y", "type": "no-such", "node": "node-1", "epoch": 1, "phase": "failed",
                  "message": "node node-1 has no agent type 'no-such'", "migrate_to": null}]""");
        String[] lines = AgentsCommand.table(list).split("\n");
        assertThat(lines).hasSize(5);
        assertThat(lines[0].split("\\s+")).containsExactly("ID", "TYPE", "NODE", "PHASE", "EPOCH", "MESSAGE");
        assertThat(lines[1].split("\\s+")).containsExactly("job-1", "command", "node-2", "running", "3");
        assertThat(lines[2].split("\\s+")).containsExactly("long-agent-name", "counter", "node-1->node-3", "migrating", "1");
        assertThat(lines[3].split("\\s+")).containsExactly("x", "no-such", "-", "pending", "0");
        assertThat(lines[4]).endsWith("node node-1 has no agent type 'no-such'");
        assertThat(lines[1].indexOf("command")).as("columns line up").isEqualTo(lines[2].indexOf("counter"));
        assertThat(AgentsCommand.table(JSON.createArrayNode())).contains("no agents");
    }

    @Test
    void statsReadAsAFewLines() throws Exception {
        JsonNode stats = JSON.readTree("""
                {"nodes": 3, "by_state": {"alive": 2, "dead": 1}, "by_role": {"leader": 1, "worker": 2},
                 "by_status": {"offline": 1, "online": 2},
                 "agents": {"assigned": 3, "total": 4, "by_phase": {"pending": 1, "assigned": 0, "running": 3,
                            "failed": 0, "migrating": 0}},
                 "utilisation": {"agents": 3, "max_agents": 32, "cpu_avg": 0.314, "memory_avg": null, "reporting": 2},
                 "strategy": "least-loaded", "version": 17, "leader": "node-1", "term": 2}""");
        assertThat(StatsCommand.text(stats)).isEqualTo("""
                nodes 3: alive 2, dead 1
                roles: leader 1, worker 2
                status: offline 1, online 2
                agents 4: pending 1, assigned 0, running 3, failed 0, migrating 0 (3 placed)
                utilisation: agents 3/32, cpu 31%, memory - (2 reporting)
                strategy least-loaded (state version 17), leader node-1 (term 2)
                """);
    }
}
