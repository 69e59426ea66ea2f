package dev.muster.cli;

import static dev.muster.cli.AgentsCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.examples.echocounter.CounterService;
import dev.muster.examples.echocounter.EchoService;
import dev.muster.examples.echocounter.SlowService;
import dev.muster.local.LocalCluster;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
 * {@code muster services} and {@code muster call} against a local cluster of one {@code muster
 * serve} process, joined by a node in this JVM that serves echo, counter and slow: the CLI lists
 * them and calls them through node-1's REST API; a failed call is one line with exit code 1, a
 * refused payload exit code 2. The process is ended by {@link LocalCluster#clean}.
 */
class ServicesCommandsProcessTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private Cluster provider;

    @BeforeAll
    static void nodeClasspath() {
        System.setProperty(LocalCluster.CLASSPATH_PROPERTY,
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    }

    @AfterEach
    void clean() {
        if (provider != null) {
            provider.close();
        }
        LocalCluster.clean(dir);
    }

    private AgentsCommandTest.Run muster(String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        argv.addAll(List.of("--dir", dir.toString()));
        return run(argv);
    }

    @Test
    void theCliListsAndCallsTheServicesOfTheCluster() throws Exception {
        int base = 20_000 + ThreadLocalRandom.current().nextInt(120) * 100;
        LocalCluster c = LocalCluster.create(dir, "services-cli", 1, "127.0.0.1", base, base + 50, 5,
                List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx96m"));
        c.start(1, true, TIMEOUT, (phase, done, total) -> { });
        provider = Cluster.start(ClusterConfig.builder().clusterName("services-cli").nodeName("provider")
                .bindHost("127.0.0.1").port(0).httpPort(-1).seeds(List.of(new Address("127.0.0.1", base))).build());
        provider.services().register("echo", new EchoService(provider));
        provider.services().register("counter", new CounterService());
        provider.services().register("slow", new SlowService());

        Awaitility.await("node-1 lists the provider's services").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    AgentsCommandTest.Run r = muster("services", "--json");
                    return r.code() == 0 && JSON.readTree(r.out()).size() == 4; // and node-1's wordcount
                });
        JsonNode catalog = JSON.readTree(muster("services", "--json").out());
        assertThat(catalog.path("echo").get(0).path("node").asText()).isEqualTo("provider");
        assertThat(catalog.path("echo").get(0).path("address").asText()).isEqualTo(provider.address().toString());
        String table = muster("services").out();
        assertThat(table.split("\n")[0].split("\\s+")).containsExactly("SERVICE", "NODE", "ADDRESS", "HEALTH", "METADATA");
        assertThat(table).contains("counter").contains("echo").contains("slow");
        assertThat(muster("services", "echo").out().split("\n")).hasSize(2);
        AgentsCommandTest.Run none = muster("services", "nope");
        assertThat(none.code()).as(none.err()).isEqualTo(1);
        assertThat(none.err()).contains("unknown service: no live node offers service 'nope'").contains("404");

        AgentsCommandTest.Run echo = muster("call", "echo", "hello", "--headers", "--content-type", "text/plain");
        assertThat(echo.code()).as(echo.err()).isZero();
        assertThat(echo.out()).isEqualTo("content-type: text/plain\nnode: provider\n\nhello\n");
        assertThat(muster("call", "echo", "exact", "--raw").out()).isEqualTo("exact");
        assertThat(muster("call", "echo", "there", "--node", "provider").out()).isEqualTo("there\n");
        AgentsCommandTest.Run json = muster("call", "echo", "hi", "--json");
        assertThat(JSON.readTree(json.out()).path("via").asText()).isEqualTo("node-1");
        assertThat(JSON.readTree(json.out()).path("headers").path("node").asText()).isEqualTo("provider");
        assertThat(stdin("some\nlines\n", "call", "echo", "-").out()).as("DATA from stdin").isEqualTo("some\nlines\n");

        assertThat(muster("call", "counter", "{\"op\": \"add\", \"delta\": 2}").out()).isEqualTo("{\"value\":2}\n");
        assertThat(muster("call", "counter", "{\"op\": \"get\"}").out()).isEqualTo("{\"value\":2}\n");

        AgentsCommandTest.Run badPayload = muster("call", "counter", "add two");
        assertThat(badPayload.code()).as("a payload the handler cannot read: %s", badPayload.err()).isEqualTo(2);
        assertThat(badPayload.err()).contains("bad payload: counter: cannot decode").contains("400");
        AgentsCommandTest.Run late = muster("call", "slow", "20s", "--timeout", "300ms");
        assertThat(late.code()).as(late.err()).isEqualTo(1);
        assertThat(late.err()).contains("timeout: call to slow on provider timed out after 300ms").contains("504");
        AgentsCommandTest.Run unknown = muster("call", "nope", "x");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown service");
        AgentsCommandTest.Run nobody = muster("call", "echo", "x", "--node", "node-9");
        assertThat(nobody.code()).isEqualTo(1);
        assertThat(nobody.err()).contains("unknown node: no member named 'node-9'");
        AgentsCommandTest.Run tooLong = muster("call", "echo", "x", "--timeout", "10m");
        assertThat(tooLong.code()).as("the node's rule, exit 2: %s", tooLong.err()).isEqualTo(2);
        assertThat(tooLong.err()).contains("query parameter 'timeout' (10m) must be between 1ms and 5m");

        AgentsCommandTest.Run stats = muster("stats");
        assertThat(stats.out()).contains("service echo: 1 instance; this node made ");
    }

    /** Runs the command line with {@code input} on stdin. */
    private AgentsCommandTest.Run stdin(String input, String... args) {
        InputStream before = System.in;
        synchronized (AgentsCommandTest.class) {
            System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
            try {
                return muster(args);
            } finally {
                System.setIn(before);
            }
        }
    }
}
