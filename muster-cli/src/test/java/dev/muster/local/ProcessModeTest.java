package dev.muster.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import dev.muster.MemberState;
import dev.muster.testkit.ClusterTest;
import dev.muster.testkit.ClusterTest.Mode;
import dev.muster.testkit.TestCluster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * {@code @ClusterTest(mode = PROCESS)} with the provider of this module: nodes as real
 * {@code muster serve} processes, killed with SIGKILL, partitioned through their
 * {@code /api/faults}; the same test source in all three modes; a failure report that names the
 * run; and node processes that end when the JVM that started them is killed.
 */
class ProcessModeTest {

    /** This helper's ports; a developer's run may use the whole default range. */
    static final String PORTS = "23000-23999";

    static {
        System.setProperty(PortBlock.RANGE_PROPERTY, PORTS);
    }

    private static final Duration WITHIN = Duration.ofSeconds(60);

    @ClusterTest(size = 3, mode = Mode.PROCESS)
    void killRestartPartitionAndHealAcrossProcesses(TestCluster cluster) {
        assertThat(cluster.members()).as("formed before the test starts").hasSize(3)
                .allMatch(m -> m.state() == MemberState.ALIVE);
        assertThat(cluster.node(1).cluster()).as("no Cluster object of another process").isEmpty();

        cluster.kill(2);
        assertThat(cluster.node(2).isUp()).isFalse();
        assertThat(cluster.await(WITHIN, () -> cluster.node(1).stateOf("node-2").orElse(null) == MemberState.DEAD))
                .as("node-1 declares the SIGKILLed node-2 dead").isTrue();
        cluster.restart(2);
        cluster.awaitFormed();
        assertThat(cluster.node(3).stateOf("node-2")).as("the restarted node-2 is alive again").contains(MemberState.ALIVE);

        cluster.partition(new int[] {1}, new int[] {2, 3});
        assertThat(cluster.await(WITHIN, () -> cluster.node(1).stateOf("node-3").map(s -> s != MemberState.ALIVE)
                .orElse(false) && cluster.node(3).stateOf("node-1").map(s -> s != MemberState.ALIVE).orElse(false)))
                .as("each side stops seeing the other alive, both ways").isTrue();
        assertThat(cluster.node(2).stateOf("node-3")).as("within a side all stay alive").contains(MemberState.ALIVE);
        cluster.heal();
        cluster.awaitFormed();
        assertThat(cluster.faults()).hasSize(4);
        assertThat(cluster.faults().get(2)).endsWith("partition [1] | [2, 3]");
    }

    @ClusterTest(size = 3, modes = {Mode.EMBEDDED, Mode.PROCESS, Mode.SIMULATED})
    void theSameSourceRunsInEveryMode(TestCluster cluster) {
        assertThat(cluster.node(2).alive()).isEqualTo(3);
        cluster.kill(3);
        assertThat(cluster.await(WITHIN, () -> cluster.node(1).stateOf("node-3").orElse(null) == MemberState.DEAD
                && cluster.node(2).stateOf("node-3").orElse(null) == MemberState.DEAD))
                .as(cluster.mode() + ": the others declare the killed node-3 dead").isTrue();
        assertThat(cluster.node(1).alive()).isEqualTo(2);
    }

    /** Kills node 3 and fails on purpose; records where its processes ran. */
    static final class FailingOnPurpose {
        static final List<String> details = new CopyOnWriteArrayList<>();

        @ClusterTest(size = 3, mode = Mode.PROCESS)
        void failsAfterAKill(TestCluster cluster) {
            cluster.kill(3);
            throw new AssertionError("on purpose");
        }
    }

    @Test
    void aFailureNamesModeSizeFaultsAndProcessesAndLeavesNothingRunning() {
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectMethod(FailingOnPurpose.class,
                "failsAfterAKill", TestCluster.class.getName())).execute().testEvents();
        tests.assertStatistics(s -> s.failed(1));
        Throwable failure = tests.failed().list().get(0).getPayload(TestExecutionResult.class).orElseThrow()
                .getThrowable().orElseThrow();
        assertThat(failure).hasMessage("on purpose");
        assertThat(failure.getSuppressed()).hasSize(1);
        String run = failure.getSuppressed()[0].getMessage();
        assertThat(run).contains("mode PROCESS", "size 3", "kill 3", "processes in ", "node-3 down");
        Matcher dir = Pattern.compile("processes in (\\S+) ").matcher(run);
        assertThat(dir.find()).as(run).isTrue();
        assertThat(Path.of(dir.group(1))).as("the cluster directory is removed after the test").doesNotExist();
        List<Long> pids = new ArrayList<>();
        Matcher pid = Pattern.compile("pid (\\d+)").matcher(run);
        while (pid.find()) {
            pids.add(Long.parseLong(pid.group(1)));
        }
        assertThat(pids).as("nodes 1 and 2 were running at the failure").hasSize(2);
        assertThat(pids).as("no node process outlives its test")
                .allMatch(p -> ProcessHandle.of(p).map(h -> !h.isAlive()).orElse(true));
    }

    @Test
    void nodesEndWhenTheJvmThatStartedThemIsKilled() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(java, "-Xmx128m", "-D" + PortBlock.RANGE_PROPERTY + "=" + PORTS, "-cp",
                classpath, ProcessClusterChild.class.getName(), "2").redirectErrorStream(true).start();
        List<Long> pids = new ArrayList<>();
        Path dir = null;
        List<String> output = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null && !line.equals("formed"); line = out.readLine()) {
                output.add(line);
                if (line.startsWith("pid ")) {
                    pids.add(Long.parseLong(line.substring(4)));
                } else if (line.startsWith("dir ")) {
                    dir = Path.of(line.substring(4));
                }
            }
            assertThat(pids).as("the child started two nodes; it said: " + output).hasSize(2)
                    .allMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false));
            child.destroyForcibly(); // SIGKILL: no shutdown hook, the driver is never closed
            child.waitFor();
            Awaitility.await("the nodes of a SIGKILLed test JVM exit by themselves").atMost(Duration.ofSeconds(60))
                    .until(() -> pids.stream().noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)));
        } finally {
            child.destroyForcibly();
            for (long p : pids) {
                ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly);
            }
            if (dir != null && Files.exists(dir)) {
                LocalCluster.clean(dir);
                try (var walk = Files.walk(dir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }
}
