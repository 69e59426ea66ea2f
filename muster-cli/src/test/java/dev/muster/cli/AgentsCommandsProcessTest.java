package dev.muster.cli;

import static dev.muster.cli.AgentsCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muster.local.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code muster agents run/ls/migrate/stop}, {@code stats} and {@code balance} against a local
 * cluster of one {@code muster serve} process: the node's agent runtime runs what is submitted,
 * and a refusal is one line with exit code 1. The node is ended by {@link LocalCluster#clean}.
 */
class AgentsCommandsProcessTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @BeforeAll
    static void nodeClasspath() {
        System.setProperty(LocalCluster.CLASSPATH_PROPERTY,
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    }

    @AfterEach
    void clean() {
        LocalCluster.clean(dir);
    }

    private AgentsCommandTest.Run muster(String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        argv.addAll(List.of("--dir", dir.toString()));
        return run(argv);
    }

    private JsonNode agentsJson() throws Exception {
        AgentsCommandTest.Run r = muster("agents", "ls", "--json");
        assertThat(r.code()).as("agents ls: %s", r.err()).isZero();
        return JSON.readTree(r.out());
    }

    @Test
    void anAgentRunsIsListedAndStopsThroughTheCli() throws Exception {
        int base = 20_000 + ThreadLocalRandom.current().nextInt(120) * 100;
        LocalCluster c = LocalCluster.create(dir, "agents-cli", 1, "127.0.0.1", base, base + 50, 5,
                List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx96m"));
        c.start(1, true, TIMEOUT, (phase, done, total) -> { });
        assertThat(c.awaitLeader(TIMEOUT)).isPresent();

        AgentsCommandTest.Run sub = muster("agents", "run", "tick", "--type", "counter");
        assertThat(sub.code()).as("agents run: %s", sub.err()).isZero();
        assertThat(sub.out()).startsWith("submitted tick (counter), pending");
        Awaitility.await("tick runs on node-1").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    JsonNode list = agentsJson();
                    return list.size() == 1 && list.get(0).path("phase").asText().equals("running")
                            && list.get(0).path("node").asText().equals("node-1");
                });
        AgentsCommandTest.Run ls = muster("agents", "ls");
        assertThat(ls.out().split("\n")[1].split("\\s+")).containsExactly("tick", "counter", "node-1", "running", "1");

        AgentsCommandTest.Run dup = muster("agents", "run", "tick", "--type", "counter");
        assertThat(dup.code()).as("a taken id is refused: %s", dup.err()).isEqualTo(1);
        assertThat(dup.err()).contains("agent exists: agent 'tick' exists (on node-1, running)").contains("409");
        AgentsCommandTest.Run here = muster("agents", "migrate", "tick", "node-1");
        assertThat(here.code()).isEqualTo(1);
        assertThat(here.err()).contains("cannot migrate: agent 'tick' is on node-1 already");

        AgentsCommandTest.Run stats = muster("stats", "--json");
        assertThat(stats.code()).as("stats: %s", stats.err()).isZero();
        assertThat(JSON.readTree(stats.out()).at("/agents/by_phase/running").asInt()).isEqualTo(1);
        assertThat(muster("stats").out()).contains("agents 1: pending 0, assigned 0, running 1");
        AgentsCommandTest.Run balance = muster("balance", "least-agents");
        assertThat(balance.code()).as("balance: %s", balance.err()).isZero();
        assertThat(balance.out()).startsWith("strategy least-agents");

        AgentsCommandTest.Run stop = muster("agents", "stop", "tick");
        assertThat(stop.code()).as("agents stop: %s", stop.err()).isZero();
        assertThat(stop.out()).isEqualTo("stopped tick\n");
        assertThat(agentsJson()).isEmpty();
        AgentsCommandTest.Run again = muster("agents", "stop", "tick");
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("unknown agent: no agent 'tick'");
    }
}
