package dev.muster.cli;

import static dev.muster.cli.AgentsCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muster.local.LocalCluster;
import dev.muster.local.NodeClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.StreamSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code muster chaos} against one local cluster of five {@code muster serve} processes (process
 * mode), started once for the class: a partition cuts node-1 off from node-4 and heal brings it
 * back; a kill is seen dead; a pause is seen and the node comes back; delay and loss rules show in
 * GET /api/faults; a bad argument changes nothing; a short monkey run ends healed and formed, and
 * its replay runs the same schedule. A lone {@code muster serve} without {@code --faults} is
 * refused with a message that says so. After each test the cluster is healed and formed again.
 */
class ChaosCommandsProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int SIZE = 5;

    @TempDir
    static Path dir;

    private static LocalCluster cluster;
    private static NodeClient client;

    @BeforeAll
    static void start() {
        System.setProperty(LocalCluster.CLASSPATH_PROPERTY,
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        int base = 21_000 + ThreadLocalRandom.current().nextInt(9) * 100; // this helper's range: 21000-21999
        cluster = LocalCluster.create(dir, "chaos-cli", SIZE, "127.0.0.1", base, base + 50, 5,
                List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx96m"));
        cluster.start(SIZE, true, TIMEOUT, (phase, done, total) -> { });
        client = new NodeClient("127.0.0.1", cluster.token().orElse(null));
    }

    @AfterAll
    static void clean() {
        LocalCluster.clean(dir);
    }

    @AfterEach
    void healAndForm() {
        muster("chaos", "heal");
        for (int i = 1; i <= SIZE; i++) {
            if (!cluster.isRunning(i)) {
                cluster.startNode(i, TIMEOUT);
            }
        }
        assertThat(cluster.awaitFormed(TIMEOUT)).as("the cluster forms again after the test").isTrue();
    }

    private static AgentsCommandTest.Run muster(String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        argv.addAll(List.of("--dir", dir.toString()));
        return run(argv);
    }

    /** What node {@code observer} says node {@code about}'s state is ("" when it does not answer). */
    private static String state(int observer, int about) {
        return client.get(cluster.httpPort(observer), "/api/cluster/nodes").stream()
                .flatMap(list -> StreamSupport.stream(list.spliterator(), false))
                .filter(m -> m.path("name").asText().equals("node-" + about)).map(m -> m.path("state").asText())
                .findFirst().orElse("");
    }

    private static JsonNode rules(int index) {
        return client.get(cluster.httpPort(index), "/api/faults").orElseThrow().path("rules");
    }

    @Test
    void aPartitionCutsTheSidesApartAndHealJoinsThem() {
        AgentsCommandTest.Run cut = muster("chaos", "partition", "1-2", "/", "3-5");
        assertThat(cut.code()).as(cut.err()).isZero();
        assertThat(cut.out()).contains("partitioned node-1,node-2 / node-3,node-4,node-5");
        assertThat(rules(1)).as("node-1 black-holes each node of the other side").hasSize(3)
                .allSatisfy(r -> assertThat(r.path("blackhole").asBoolean()).isTrue());
        assertThat(rules(4)).hasSize(2);
        Awaitility.await("node-1 sees node-4 suspect or dead").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> state(1, 4), s -> s.equals("suspect") || s.equals("dead"));
        assertThat(state(1, 2)).as("node-1 still reaches its own side").isEqualTo("alive");

        AgentsCommandTest.Run heal = muster("chaos", "heal");
        assertThat(heal.code()).as(heal.err()).isZero();
        assertThat(heal.out()).contains("healed 12 fault rules on 5 nodes");
        Awaitility.await("node-1 sees node-4 alive again").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> state(1, 4), "alive"::equals);
    }

    @Test
    void aOneWayAndABridgedPartitionSetTheirShapes() {
        AgentsCommandTest.Run oneWay = muster("chaos", "partition", "1/2", "--one-way");
        assertThat(oneWay.code()).as(oneWay.err()).isZero();
        assertThat(oneWay.out()).contains("partitioned node-1 -/-> node-2 -/-> node-3,node-4,node-5");
        assertThat(rules(1)).hasSize(4).allSatisfy(r -> assertThat(r.path("direction").asText()).isEqualTo("out"));
        assertThat(rules(5)).as("the last side sends to everyone").isEmpty();
        muster("chaos", "heal");

        AgentsCommandTest.Run bridged = muster("chaos", "partition", "1-2/4-5", "--bridge", "3");
        assertThat(bridged.code()).as(bridged.err()).isZero();
        assertThat(bridged.out()).contains("partitioned node-1,node-2 / node-4,node-5, bridged by node-3");
        assertThat(rules(3)).as("the bridge reaches both sides").isEmpty();
        assertThat(rules(1)).extracting(r -> r.path("peer").asText()).containsExactlyInAnyOrder(
                "127.0.0.1:" + cluster.gossipPort(4), "127.0.0.1:" + cluster.gossipPort(5));
    }

    @Test
    void aKilledNodeIsSeenDead() {
        AgentsCommandTest.Run kill = muster("chaos", "kill", "--random", "--seed", "11");
        assertThat(kill.code()).as(kill.err()).isZero();
        String victim = kill.out().lines().filter(l -> l.startsWith("picked ")).findFirst().orElseThrow().split(" ")[1];
        assertThat(kill.out()).contains("of 5 running nodes with --seed 11").contains("killed " + victim);
        int v = Integer.parseInt(victim.substring("node-".length()));
        assertThat(cluster.isRunning(v)).isFalse();
        int observer = v == 1 ? 2 : 1;
        Awaitility.await(victim + " is seen dead").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> state(observer, v), "dead"::equals);

        AgentsCommandTest.Run again = muster("chaos", "kill", victim);
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains(victim + " is not running");
    }

    @Test
    void aPausedNodeIsSuspectedAndComesBack() throws Exception {
        CompletableFuture<AgentsCommandTest.Run> pause = CompletableFuture.supplyAsync(
                () -> muster("chaos", "pause", "node-5", "--for", "6s"));
        Awaitility.await("node-1 sees the frozen node-5 suspect").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> state(1, 5), s -> s.equals("suspect") || s.equals("dead"));
        AgentsCommandTest.Run done = pause.get();
        assertThat(done.code()).as(done.err()).isZero();
        assertThat(done.out()).contains("paused node-5 (pid ").contains("SIGSTOP) for 6s").contains("resumed node-5 (SIGCONT)");
        assertThat(cluster.isRunning(5)).isTrue();
        Awaitility.await("node-5 is alive again").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> state(1, 5), "alive"::equals);
    }

    @Test
    void delayAndLossRulesShowInTheFaultApi() {
        AgentsCommandTest.Run delay = muster("chaos", "delay", "2", "200ms", "--jitter", "50ms");
        assertThat(delay.code()).as(delay.err()).isZero();
        assertThat(delay.out()).contains("delayed node-2 by 200ms +- 50ms to and from 4 peers");
        assertThat(rules(2)).hasSize(4).allSatisfy(r -> {
            assertThat(r.path("delay_ms").asLong()).isEqualTo(200);
            assertThat(r.path("jitter_ms").asLong()).isEqualTo(50);
            assertThat(r.path("direction").asText()).isEqualTo("both");
        });
        AgentsCommandTest.Run loss = muster("chaos", "loss", "node-3", "10%");
        assertThat(loss.code()).as(loss.err()).isZero();
        assertThat(loss.out()).contains("dropping 10% of node-3's messages to and from 4 peers");
        assertThat(rules(3)).hasSize(4).allSatisfy(r -> assertThat(r.path("drop_rate").asDouble()).isEqualTo(0.1));
        assertThat(rules(1)).isEmpty();
    }

    @Test
    void aBadArgumentChangesNothing() {
        String[][] bad = {
            {"chaos", "loss", "3", "150%"}, {"PERCENT: '150%' must be a percentage more than 0% and at most 100%"},
            {"chaos", "loss", "3", "10"}, {"PERCENT: '10' must be a percentage"},
            {"chaos", "delay", "9", "200ms"}, {"NODE: '9' is no node of this cluster; give an index 1..5"},
            {"chaos", "delay", "2", "200ms", "--jitter", "300ms"}, {"--jitter (300ms) must be at most the delay (200ms)"},
            {"chaos", "delay", "2", "2m"}, {"DELAY (2m) must be more than 0 and at most 1m"},
            {"chaos", "partition", "1-3", "/", "3-5"}, {"GROUPS: node-3 is named twice", "--bridge 3"},
            {"chaos", "partition", "1-5"}, {"names every node in one group"},
            {"chaos", "partition", "3-1", "/", "4"}, {"range '3-1' runs backwards"},
            {"chaos", "partition", "1-2", "/", "4-5", "--bridge", "node-7"}, {"--bridge: 'node-7' is no node"},
            {"chaos", "pause", "2", "--for", "5x"}, {"--for"},
            {"chaos", "kill"}, {"give NODE or --random"},
        };
        for (int k = 0; k < bad.length; k += 2) {
            AgentsCommandTest.Run r = muster(bad[k]);
            assertThat(r.code()).as(String.join(" ", bad[k]) + ": " + r.err()).isEqualTo(2);
            for (String part : bad[k + 1]) {
                assertThat(r.err()).as(String.join(" ", bad[k])).contains(part);
            }
        }
        for (int i = 1; i <= SIZE; i++) {
            assertThat(rules(i)).as("node-%d has no rule after bad arguments", i).isEmpty();
            assertThat(cluster.isRunning(i)).isTrue();
        }
    }

    @Test
    void aMonkeyRunEndsHealedAndItsReplayRunsTheSameSchedule() throws Exception {
        Path plan = dir.resolve("monkey.jsonl");
        AgentsCommandTest.Run first = muster("chaos", "monkey", "--duration", "6s", "--rate", "1/2s", "--seed", "15",
                "--plan-file", plan.toString());
        assertThat(first.code()).as(first.out() + first.err()).isZero();
        assertThat(first.out()).contains("monkey: seed 15, 3 faults over 6s; plan in " + plan)
                .contains("monkey done: cluster healed and formed").doesNotContain("could not");
        assertThat(Files.readAllLines(plan)).hasSize(4);
        assertThat(schedule(first.out())).as("seed 15 kills, partitions and pauses").containsExactly(
                "kill node-1 for 822ms", "partition node-1,node-4 from the rest for 811ms", "pause node-5 for 802ms");
        for (int i = 1; i <= SIZE; i++) {
            assertThat(rules(i)).as("node-%d is healed", i).isEmpty();
            assertThat(cluster.isRunning(i)).as("node-%d runs", i).isTrue();
        }

        AgentsCommandTest.Run replay = muster("chaos", "monkey", "--replay", plan.toString());
        assertThat(replay.code()).as(replay.out() + replay.err()).isZero();
        assertThat(replay.out()).doesNotContain("could not").contains("replaying " + plan + ": seed 15, 3 faults over 6s");
        assertThat(schedule(replay.out())).as("the replay applies the same faults in the same order")
                .hasSize(3).isEqualTo(schedule(first.out()));
    }

    /** The "[  1.2s] fault" lines of a monkey's output, without their times. */
    private static List<String> schedule(String out) {
        return out.lines().filter(l -> l.startsWith("[")).map(l -> l.substring(l.indexOf(']') + 2)).toList();
    }

    @Test
    void aNodeWithoutFaultInjectionIsRefused(@TempDir Path logs) throws Exception {
        try (ServeProcess lone = ServeProcess.start(logs, "no-faults", "node-1", List.of())) {
            AgentsCommandTest.Run r = run(List.of("chaos", "delay", "1", "200ms", "--url",
                    "http://127.0.0.1:" + lone.httpPort(), "--token", ServeProcess.TOKEN));
            assertThat(r.code()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).contains("fault injection is off on node-1: it was started without --faults")
                    .contains("nothing was changed");
            AgentsCommandTest.Run kill = run(List.of("chaos", "kill", "1", "--url", "http://127.0.0.1:" + lone.httpPort(),
                    "--token", ServeProcess.TOKEN));
            assertThat(kill.code()).isEqualTo(2);
            assertThat(kill.err()).contains("kill signals a node's process, so it needs a local cluster");
        }
        assertThat(Arrays.asList(1, 2, 3, 4, 5)).allSatisfy(i -> assertThat(rules(i)).isEmpty());
    }
}
