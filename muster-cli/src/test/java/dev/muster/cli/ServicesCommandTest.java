package dev.muster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muster.examples.echocounter.EchoService;
import dev.muster.examples.echocounter.SlowService;
import dev.muster.services.CallContext;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import dev.muster.services.ServiceHandler;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code serve --service}, {@code services} and {@code call}: a bad argument is one clear line
 * naming it and its rule, exit code 2, before any node is asked; and how answers are shown.
 */
class ServicesCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A handler {@code --service} cannot make: its only constructor takes a string. */
    public static final class NeedsAString implements ServiceHandler {
        public NeedsAString(String s) {}

        @Override
        public Reply handle(Request request, CallContext context) {
            return Reply.EMPTY;
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "serve --service nothing | Invalid value for option '--service' (NAME=CLASS): 'nothing' must be NAME=CLASS",
        "serve --service echo= | 'echo=' must be NAME=CLASS",
        "serve --service bad/name=dev.muster.examples.echocounter.EchoService | service name 'bad/name' must be 1 to 64",
        "serve --service mine=no.such.Handler | service mine: no class no.such.Handler on the class path",
        "serve --service mine=java.lang.String | java.lang.String does not implement dev.muster.services.ServiceHandler",
        "serve --service mine=dev.muster.services.ServiceHandler | dev.muster.services.ServiceHandler is abstract",
        "serve --service mine=dev.muster.cli.ServicesCommandTest$NeedsAString | has no public constructor taking a"
                + " dev.muster.Cluster or none",
        "services bad!name | NAME 'bad!name' must be 1 to 64 characters",
        "services a b | Unmatched argument at index 2: 'b'",
        "call | Missing required parameter: 'SERVICE'",
        "call bad/name | SERVICE 'bad/name' must be 1 to 64 characters",
        "call echo hi --timeout 2x | --timeout '2x' is not a duration",
        "call echo hi there | Unmatched argument at index 3: 'there'"})
    void badArgumentsAreOneClearErrorWithExitCode2(String args, String message) {
        AgentsCommandTest.assertRefused(dir, args, message);
    }

    @Test
    void eachServiceIsGivenOnceAndMadeWithItsNodeWhenItCanBe() {
        ServeCommand twice = new ServeCommand();
        new CommandLine(twice).parseArgs("--service", "echo=" + EchoService.class.getName(),
                "--service", " echo = " + SlowService.class.getName());
        assertThatThrownBy(twice::serviceHandlers).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("'--service': 'echo=" + SlowService.class.getName() + "': service echo is given"
                        + " twice; give each NAME once");

        ServeCommand two = new ServeCommand();
        new CommandLine(two).parseArgs("--service", "echo=" + EchoService.class.getName(),
                "--service", "slow=" + SlowService.class.getName());
        assertThat(two.serviceHandlers()).extracting(ServiceOption::name).containsExactly("echo", "slow");
        assertThat(two.serviceHandlers().get(0).constructor().getParameterCount()).as("EchoService(Cluster)").isOne();
        assertThat(two.serviceHandlers().get(1).constructor().getParameterCount()).as("SlowService()").isZero();
    }

    @Test
    void theTableShowsEveryInstanceWithItsMetadata() throws Exception {
        JsonNode catalog = JSON.readTree("""
                {"counter": [{"node": "node-2", "address": "127.0.0.1:7956", "metadata": {}, "health": "passing"}],
                 "echo": [{"node": "node-1", "address": "127.0.0.1:7946", "metadata": {"version": "1.2", "zone": "a"},
                           "health": "passing"},
                          {"node": "node-2", "address": "127.0.0.1:7956", "metadata": {}, "health": "passing"}]}""");
        String[] lines = ServicesCommand.table(catalog).split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0].split("\\s+")).containsExactly("SERVICE", "NODE", "ADDRESS", "HEALTH", "METADATA");
        assertThat(lines[1].split("\\s+")).containsExactly("counter", "node-2", "127.0.0.1:7956", "passing", "-");
        assertThat(lines[2].split("\\s+")).containsExactly("echo", "node-1", "127.0.0.1:7946", "passing",
                "version=1.2,zone=a");
        assertThat(lines[1].indexOf("node-2")).as("columns line up").isEqualTo(lines[2].indexOf("node-1"));
        assertThat(ServicesCommand.table(JSON.createObjectNode())).contains("no services");
    }

    @Test
    void aReplysHeadersAreItsContentTypeAndTheMusterReplyOnes() {
        assertThat(CallCommand.replyHeaders(Map.of("Content-Type", List.of("text/plain"), "muster-reply-node",
                List.of("node-2"), "content-length", List.of("5"), "date", List.of("today"))))
                .containsExactly(Map.entry("content-type", "text/plain"), Map.entry("node", "node-2"));
    }

    @Test
    void statsShowEachServicesCountersOnALine() throws Exception {
        JsonNode stats = JSON.readTree("""
                {"nodes": 1, "by_state": {"alive": 1}, "by_role": {"worker": 1}, "by_status": {"online": 1},
                 "agents": {"assigned": 0, "total": 0, "by_phase": {}},
                 "utilisation": {"agents": 0, "max_agents": 8, "cpu_avg": null, "memory_avg": null, "reporting": 0},
                 "strategy": null, "version": null, "leader": null, "term": null,
                 "services": {"echo": {"instances": 3, "calls": 12, "errors": 1, "timeouts": 1, "in_flight": 0,
                   "retries": 0, "bytes_out": 60, "bytes_in": 55, "served": 4, "serve_errors": 0,
                   "latency_ms": {"count": 12, "mean": 0.5, "p50": 0.3, "p90": 0.9, "p99": 2.5, "max": 2.5}}}}""");
        assertThat(StatsCommand.text(stats)).endsWith("service echo: 3 instances; this node made 12 calls"
                + " (1 failed, 1 timed out, p99 2.5 ms) and served 4 (0 failed)\n");
    }
}
