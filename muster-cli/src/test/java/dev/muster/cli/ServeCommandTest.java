package dev.muster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import dev.muster.ClusterConfig;
import dev.muster.control.ControlConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** How {@code muster serve} builds its config: file, then environment, then flags; bad input stops it. */
class ServeCommandTest {

    @TempDir
    Path dir;

    private static ServeCommand parse(String... args) {
        ServeCommand cmd = new ServeCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void flagsWinOverTheEnvironmentWhichWinsOverTheFile() throws Exception {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, """
                cluster: from-file
                node: file-node
                port: 7000
                http-port: 8000
                seeds: [10.0.0.1:7946]
                """);
        ClusterConfig c = parse("--config", file.toString(), "--port", "7100", "--join", "127.0.0.1:7946,[::1]:7956")
                .config(Map.of("CLUSTER_NAME", "from-env", "CLUSTER_PORT", "7050", "HTTP_PORT", "8050"));
        assertThat(c.clusterName()).as("env over file").isEqualTo("from-env");
        assertThat(c.nodeName()).as("file over default").isEqualTo("file-node");
        assertThat(c.port()).as("flag over env over file").isEqualTo(7100);
        assertThat(c.httpPort()).as("env over file").isEqualTo(8050);
        assertThat(c.seeds()).as("flag over file").containsExactly(new Address("127.0.0.1", 7946), new Address("::1", 7956));
    }

    @Test
    void nodeIndexAndBasePortGiveNameAndPorts() {
        ClusterConfig c = parse().config(Map.of("NODE_INDEX", "3", "BASE_PORT", "9000", "PORT_SPACING", "10"));
        assertThat(c.nodeName()).isEqualTo("node-3");
        assertThat(c.port()).isEqualTo(9020);
        assertThat(c.httpPort()).isEqualTo(8171);
    }

    @Test
    void advertiseTakesAHostOrAHostAndPort() {
        assertThat(parse("--advertise", "10.1.2.3").config(Map.of()).advertiseHost()).isEqualTo("10.1.2.3");
        ClusterConfig c = parse("--advertise", "10.1.2.3:9999").config(Map.of());
        assertThat(c.advertiseHost()).isEqualTo("10.1.2.3");
        assertThat(c.advertisePort()).isEqualTo(9999);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "serve --port 70000 | port: 70000 must be between 0 and 65535",
        "serve --port x | Invalid value for option '--port'",
        "serve --profile fast | --profile: profile 'fast' is unknown; use lan, local or wan",
        "serve --join a:b | 'a:b'",
        "serve --name bad/name | node: 'bad/name'",
        "serve --http-port 7946 | http-port (7946) must differ from port (7946)",
        "serve --replicas 0 | --replicas (0) must be between 1 and 9",
        "serve --replicas x | Invalid value for option '--replicas'",
        "serve --control-port 70000 | --control-port (70000) must be -1 (the gossip port + 2), 0 (any) or a port up to 65535",
        "serve --max-agents 10001 | --max-agents (10001) must be between 0 and 10000",
        "serve --max-agents -1 | --max-agents (-1) must be between 0 and 10000",
        "serve --max-agents many | Invalid value for option '--max-agents'",
        "serve --services ocr,a/b | --services: service name 'a/b' must be 1 to 64 characters",
        "serve --health-interval 5 | --health-interval '5' is not a duration",
        "serve --health-interval 1ms | --health-interval (1ms) must be between 50ms and 10m",
        "serve --bogus | Unknown option: '--bogus'"})
    void badInputIsOneClearErrorAndStartsNothing(String args, String message) {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        int code = cli.execute(args.split(" "));
        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString()).contains(message);
    }

    @Test
    void controlFlagsGiveTheControlPlaneItsSettings() {
        ServeCommand defaults = parse();
        ControlConfig d = defaults.controlConfig(defaults.config(Map.of()));
        assertThat(d.replica()).as("the index rule decides").isNull();
        assertThat(d.replicas()).isEqualTo(3);
        assertThat(d.port()).as("gossip port + 2").isEqualTo(-1);
        assertThat(d.dataDir()).as("a temporary directory").isNull();

        ServeCommand set = parse("--no-replica", "--replicas", "5", "--control-port", "9100", "--data-dir", dir.toString());
        ControlConfig c = set.controlConfig(set.config(Map.of()));
        assertThat(c.replica()).isFalse();
        assertThat(c.replicas()).isEqualTo(5);
        assertThat(c.port()).isEqualTo(9100);
        assertThat(c.dataDir()).isEqualTo(dir);
        assertThat(parse("--replica").controlConfig(parse().config(Map.of())).replica()).isTrue();

        ServeCommand any = parse("--port", "0");
        assertThat(any.controlConfig(any.config(Map.of())).port()).as("any gossip port: any Raft port").isZero();
    }

    @Test
    void healthFlagsGiveTheReporterItsSettings() {
        ServeCommand.Health d = parse().health();
        assertThat(d.maxAgents()).as("16 per processor").isEqualTo(Math.min(10_000, 16 * Runtime.getRuntime().availableProcessors()));
        assertThat(d.services()).isEmpty();
        assertThat(d.interval()).isEqualTo(java.time.Duration.ofSeconds(5));

        ServeCommand.Health h = parse("--max-agents", "0", "--services", "search, ocr", "--services", "search",
                "--health-interval", "250ms").health();
        assertThat(h.maxAgents()).isZero();
        assertThat(h.services()).containsExactly("ocr", "search");
        assertThat(h.interval()).isEqualTo(java.time.Duration.ofMillis(250));
    }

    @Test
    void aMissingConfigFileNamesIt() {
        assertThatThrownBy(() -> parse("--config", dir.resolve("nope.yaml").toString()).config(Map.of()))
                .hasMessageContaining("nope.yaml");
    }

    @Test
    void theEnvironmentIsNotNeededForDefaults() {
        ClusterConfig c = parse().config(Map.of());
        assertThat(c.port()).isEqualTo(7946);
        assertThat(c.httpPort()).isEqualTo(8151);
        assertThat(c.seeds()).isEqualTo(List.of());
    }

    @Test
    void theConfigFileInTheReadmeIsValid() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("```yaml\n");
        assertThat(start).as("README has a yaml example").isNotNegative();
        String yaml = readme.substring(start + 8, readme.indexOf("```", start + 8));
        Path file = dir.resolve("readme.yaml");
        Files.writeString(file, yaml);
        ClusterConfig c = parse("--config", file.toString()).config(Map.of());
        assertThat(c.dnsName()).isEqualTo("muster.default.svc.cluster.local");
        assertThat(c.advertisePort()).isEqualTo(7946);
    }
}
