package dev.muster.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local clusters of real node processes. Every process is found again through the cluster
 * directory and ended by {@link LocalCluster#clean} after each test; a test fails if any
 * process of its directory is left.
 */
class LocalClusterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final LocalCluster.Progress QUIET = (phase, done, total) -> { };

    @TempDir
    Path dir;

    private int basePort;

    @BeforeAll
    static void nodeClasspath() {
        System.setProperty(LocalCluster.CLASSPATH_PROPERTY,
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    }

    /**
     * A base port for this test's nodes: below Linux's ephemeral range (32768 and up), where
     * other programs' outgoing connections would take ports at random.
     */
    private static int freeBase() {
        return 20_000 + ThreadLocalRandom.current().nextInt(120) * 100;
    }

    private LocalCluster create(int size) {
        basePort = freeBase();
        return LocalCluster.create(dir, "test", size, "127.0.0.1", basePort, basePort + 50, 5, jvm());
    }

    private static List<String> jvm() {
        return List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx96m");
    }

    /** Processes whose command line names this test's directory: nodes, or an embedded host. */
    private List<ProcessHandle> ours() {
        String d = dir.toAbsolutePath().normalize().toString();
        return ProcessHandle.allProcesses()
                .filter(p -> Processes.commandLine(p.pid())
                        .map(c -> c.contains(d) && (c.contains(" serve ") || c.contains(" host "))).orElse(false))
                .toList();
    }

    @AfterEach
    void nothingLeft() {
        LocalCluster.clean(dir);
        Awaitility.await("no node process of this test is left").atMost(Duration.ofSeconds(20))
                .until(() -> ours().isEmpty());
    }

    @Test
    void threeNodesStartShowStopRestartAndResize() throws Exception {
        LocalCluster c = create(3);
        LocalCluster.StartReport r = c.start(3, true, TIMEOUT, QUIET);
        assertThat(r.nodes()).isEqualTo(3);
        List<LocalCluster.NodeStatus> status = c.status();
        assertThat(status).extracting(LocalCluster.NodeStatus::state).containsOnly("alive");
        assertThat(status).extracting(LocalCluster.NodeStatus::aliveSeen).containsOnly(3);
        assertThat(status.get(1).gossipPort()).isEqualTo(basePort + 5);
        awaitOneLeader(c, 3);
        for (int i = 1; i <= 3; i++) {
            assertThat(dir.resolve("node-" + i).resolve("data").resolve("raft")).as("node-%d keeps its Raft data", i)
                    .isDirectory();
        }

        // another command finds the cluster again through its directory
        LocalCluster again = LocalCluster.open(dir, jvm());
        long oldPid = again.pid(2).orElseThrow();
        assertThat(again.stop(2)).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(again, 2).equals("left"));
        again.startNode(2, TIMEOUT);
        assertThat(again.pid(2).orElseThrow()).isNotEqualTo(oldPid);
        assertThat(again.awaitFormed(TIMEOUT)).as("node-2 is back under its name").isTrue();
        assertThat(again.tail(2, 100)).contains("node-2 serving cluster 'test'");

        again.resize(5, 2, TIMEOUT, QUIET);
        assertThat(again.status()).hasSize(5).extracting(LocalCluster.NodeStatus::aliveSeen).containsOnly(5);
        again.resize(2, 2, TIMEOUT, QUIET);
        assertThat(again.size()).isEqualTo(2);
        assertThat(again.awaitFormed(Duration.ofSeconds(30))).as("the two left see each other alive").isTrue();
        assertThat(again.status()).extracting(LocalCluster.NodeStatus::state).containsExactly("alive", "alive");
    }

    private static String stateOf(LocalCluster c, int index) {
        return c.status().get(index - 1).state();
    }

    /** Waits until status shows one leader among the first {@code replicas} nodes, the others replicas, all online. */
    private static String awaitOneLeader(LocalCluster c, int replicas) {
        Awaitility.await("one leader, the other designated nodes replicas, all online").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    List<LocalCluster.NodeStatus> rows = c.status().subList(0, replicas);
                    assertThat(rows).extracting(LocalCluster.NodeStatus::role).containsOnly("leader", "replica")
                            .filteredOn("leader"::equals).hasSize(1);
                    assertThat(rows).extracting(LocalCluster.NodeStatus::status).containsOnly("online");
                    assertThat(rows).extracting(LocalCluster.NodeStatus::leaderSeen).doesNotContainNull().hasSize(replicas);
                });
        return c.status().stream().filter(r -> "leader".equals(r.role())).findFirst().orElseThrow().name();
    }

    @Test
    void aKilledNodeIsSeenDeadAndRestartsUnderItsName() throws Exception {
        LocalCluster c = create(3);
        c.start(3, true, TIMEOUT, QUIET);
        awaitOneLeader(c, 3);
        c.kill(3);
        Awaitility.await("the others mark node-3 dead").atMost(Duration.ofSeconds(30)).until(() -> stateOf(c, 3).equals("dead"));
        assertThat(c.status().get(2).status()).as("a dead node is offline").isEqualTo("offline");
        Path raft = dir.resolve("node-3").resolve("data").resolve("raft");
        assertThat(raft).as("a crash leaves the Raft data").isDirectory();
        c.restart(3, TIMEOUT);
        assertThat(c.awaitFormed(TIMEOUT)).isTrue();
        assertThat(c.tail(3, 200)).as("node-3 serves again with its data").contains("node-3 serving cluster 'test'");
        awaitOneLeader(c, 3);
    }

    @Test
    void aTakenPortIsOneClearLineAndStartsNothing() throws Exception {
        basePort = freeBase();
        try (ServerSocket taken = new ServerSocket(basePort + 10)) {
            assertThatThrownBy(() -> LocalCluster.create(dir, "test", 3, "127.0.0.1", basePort, basePort + 50, 5, jvm()))
                    .hasMessage("node-3 gossip port " + (basePort + 10)
                            + " is in use; is another cluster running? try 'muster clean' or --base-port");
        }
        assertThat(Files.exists(dir.resolve(ClusterDir.STATE_FILE))).as("no layout written").isFalse();
        assertThat(ours()).isEmpty();
    }

    @Test
    void aTakenRaftPortIsOneClearLine() throws Exception {
        basePort = freeBase();
        try (ServerSocket taken = new ServerSocket(basePort + 5 + 2)) {
            assertThatThrownBy(() -> LocalCluster.create(dir, "test", 3, "127.0.0.1", basePort, basePort + 50, 5, jvm()))
                    .hasMessage("node-2 Raft port " + (basePort + 7)
                            + " is in use; is another cluster running? try 'muster clean' or --base-port");
        }
        assertThat(ours()).isEmpty();
    }

    @Test
    void portSpacingMustLeaveRoomForTheRaftPort() {
        assertThatThrownBy(() -> LocalCluster.create(dir, "test", 3, "127.0.0.1", 30_000, 30_050, 2, jvm()))
                .hasMessage("--port-spacing (2) must be at least 3: each node uses its gossip port and the gossip port + 2 (Raft)");
        assertThatThrownBy(() -> LocalCluster.create(dir, "test", 3, "127.0.0.1", 30_000, 30_002, 10, jvm()))
                .hasMessageContaining("Raft ports from 30002 and HTTP ports from 30002 overlap");
    }

    @Test
    void badSizesAreRefused() {
        for (int size : new int[] {0, -1, 10_000}) {
            assertThatThrownBy(() -> LocalCluster.create(dir, "test", size, "127.0.0.1", 30_000, 30_050, 5, jvm()))
                    .hasMessage("--size (" + size + ") must be between 1 and 100");
        }
    }

    @Test
    void nodesStopByThemselvesWhenTheirDirectoryIsRemoved() throws Exception {
        LocalCluster c = create(2);
        c.start(2, true, TIMEOUT, QUIET);
        assertThat(ours()).hasSize(2);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        Awaitility.await("both nodes end once their lease is gone").atMost(Duration.ofSeconds(20))
                .until(() -> ours().isEmpty());
    }

    @Test
    void cleanAfterTheCliWasKilledMidStartLeavesNoProcessAndNoPort() throws Exception {
        basePort = freeBase();
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-D" + LocalCluster.CLASSPATH_PROPERTY + "=" + System.getProperty(LocalCluster.CLASSPATH_PROPERTY),
                "-cp", System.getProperty(LocalCluster.CLASSPATH_PROPERTY), "dev.muster.cli.Main", "start",
                "--size", "4", "--batch-size", "2", "--dir", dir.toString(), "--cluster", "test",
                "--base-port", Integer.toString(basePort), "--http-base-port", Integer.toString(basePort + 50),
                "--port-spacing", "5"));
        Process cli = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolveSibling(
                dir.getFileName() + "-cli.log").toFile()).start();
        try {
            Awaitility.await("the CLI started some nodes").atMost(Duration.ofSeconds(60))
                    .until(() -> !ours().isEmpty());
        } finally {
            cli.destroyForcibly(); // SIGKILL the CLI in the middle of its start
            cli.waitFor();
        }
        List<Long> ended = LocalCluster.clean(dir);
        assertThat(ended).isNotEmpty();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ours().isEmpty());
        for (int i = 0; i < 4; i++) {
            assertThat(free(basePort + 5 * i)).as("gossip port of node-%d is free", i + 1).isTrue();
        }
    }

    @Test
    void cleanEndsANodeWhoseStarterDiedBeforeWritingItsPid() throws Exception {
        basePort = freeBase();
        LocalCluster.create(dir, "test", 2, "127.0.0.1", basePort, basePort + 50, 5, jvm());
        Path lease = dir.resolve("node-2").resolve("pid");
        Files.createDirectories(lease.getParent());
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        cmd.addAll(jvm());
        cmd.addAll(List.of("-cp", System.getProperty(LocalCluster.CLASSPATH_PROPERTY), "dev.muster.cli.Main", "serve",
                "--name", "node-2", "--cluster", "test", "--bind", "127.0.0.1", "--port", Integer.toString(basePort + 5),
                "--http-port", "-1", "--lease", lease.toString(), "--data-dir", dir.resolve("node-2").resolve("data").toString()));
        Process orphan = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("node-2").resolve("node.log").toFile()).start();
        try {
            Awaitility.await("the orphan is running").atMost(Duration.ofSeconds(30)).until(() -> !ours().isEmpty());
            assertThat(Files.exists(lease)).as("no pid file names the orphan").isFalse();
            assertThat(LocalCluster.clean(dir)).contains(orphan.pid());
            assertThat(orphan.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("clean ended it").isTrue();
        } finally {
            orphan.destroyForcibly();
        }
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return s.getLocalPort() == port;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void embeddedModeRunsEveryNodeInOneJvmWithTheSameCommands() throws Exception {
        basePort = freeBase();
        LocalCluster c = LocalCluster.create(dir, "test", 4, "embedded", "127.0.0.1", basePort, basePort + 50, 5, jvm());
        c.start(2, true, TIMEOUT, QUIET);
        assertThat(ours()).as("one JVM for all four nodes").hasSize(1);
        assertThat(c.status()).extracting(LocalCluster.NodeStatus::aliveSeen).containsOnly(4);
        awaitOneLeader(c, 3);
        c.kill(4);
        Awaitility.await("the others mark the killed node-4 dead").atMost(Duration.ofSeconds(30))
                .until(() -> stateOf(c, 4).equals("dead"));
        c.stop(3);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(c, 3).equals("left"));
        c.startNode(3, TIMEOUT);
        c.startNode(4, TIMEOUT);
        assertThat(c.awaitFormed(TIMEOUT)).as("node-3 and node-4 are back under their names").isTrue();
        assertThat(c.tail(1, 1000)).contains("node-4 started");
        assertThat(c.stopAll()).isEqualTo(4);
        Awaitility.await("the host ends with its last node").atMost(Duration.ofSeconds(20)).until(() -> ours().isEmpty());
    }
}
