package dev.muster.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import dev.muster.MemberState;
import dev.muster.testkit.ClusterTest.Mode;
import java.lang.annotation.Annotation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * {@link ClusterTest} itself: the same test source in both modes and at several sizes, kill,
 * restart, partition and heal through {@link TestCluster}, the size override, and a failure that
 * names its seed and faults and replays from it.
 */
class ClusterTestExtensionTest {

    // ---- tests that run directly, in both modes -------------------------------------------------

    @ClusterTest(sizes = {3, 5}, modes = {Mode.EMBEDDED, Mode.SIMULATED})
    void aKilledNodeIsDeclaredDeadAndARestartedOneRejoins(TestCluster cluster) {
        assertThat(cluster.members()).as("formed before the test starts").hasSize(cluster.size())
                .allMatch(m -> m.state() == MemberState.ALIVE);
        cluster.kill(2);
        assertThat(cluster.node(2).isUp()).isFalse();
        assertThat(cluster.await(Duration.ofSeconds(60), () -> cluster.node(1).stateOf("node-2")
                .orElseThrow() == MemberState.DEAD)).as("node-1 declares the killed node-2 dead").isTrue();
        cluster.restart(2);
        cluster.awaitFormed();
        assertThat(cluster.node(3).stateOf("node-2")).contains(MemberState.ALIVE);
        assertThat(cluster.faults()).hasSize(2);
        assertThat(cluster.faults().get(0)).endsWith("kill 2");
        assertThat(cluster.faults().get(1)).endsWith("restart 2");
    }

    @ClusterTest(size = 5, modes = {Mode.EMBEDDED, Mode.SIMULATED})
    void aPartitionSplitsTheViewsAndAHealJoinsThem(TestCluster cluster) {
        cluster.partition(new int[] {1, 2}, new int[] {3, 4, 5});
        assertThat(cluster.await(Duration.ofSeconds(60), () -> cluster.node(1).stateOf("node-4")
                .map(s -> s != MemberState.ALIVE).orElse(false) && cluster.node(4).stateOf("node-1")
                .map(s -> s != MemberState.ALIVE).orElse(false)))
                .as("each side stops seeing the other alive").isTrue();
        assertThat(cluster.node(1).stateOf("node-2")).as("within a side all stay alive").contains(MemberState.ALIVE);
        cluster.heal();
        cluster.awaitFormed();
        if (cluster.mode() == Mode.EMBEDDED) {
            assertThat(cluster.node(1).cluster()).as("embedded nodes are real Clusters").isPresent();
        } else {
            assertThat(cluster.node(1).cluster()).isEmpty();
        }
    }

    @Test
    void badArgumentsNameTheRule() {
        ClusterTest five = spec(5, new int[0]);
        assertThat(ClusterTestExtension.sizes(five, Map.of())).containsExactly(5);
        assertThat(ClusterTestExtension.sizes(spec(3, new int[] {3, 5, 3}), Map.of())).containsExactly(3, 5);
        assertThat(ClusterTestExtension.sizes(spec(3, new int[] {3, 5}), Map.of("CLUSTER_SIZE", "7")))
                .as("CLUSTER_SIZE replaces the sizes").containsExactly(7);
        assertThat(ClusterTestExtension.sizes(five, Map.of("CI_CLUSTER_SIZE", "2"))).as("CI_CLUSTER_SIZE only on CI")
                .containsExactly(5);
        assertThat(ClusterTestExtension.sizes(five, Map.of("CI", "true", "CI_CLUSTER_SIZE", "2", "CLUSTER_SIZE", "9")))
                .containsExactly(2);
        assertThatThrownBy(() -> ClusterTestExtension.sizes(five, Map.of("CLUSTER_SIZE", "many")))
                .hasMessage("CLUSTER_SIZE: 'many' must be a whole number (a cluster size)");
    }

    // ---- test classes run through the JUnit engine, to check what it reports ---------------------

    /** Records every seed it ran with; the first run kills node 3 and fails on purpose. */
    static final class FailingOnPurpose {
        static final List<String> runs = new CopyOnWriteArrayList<>();

        @ClusterTest(size = 4, mode = Mode.SIMULATED, seed = 4242)
        void failsAfterAKill(TestCluster cluster) {
            cluster.kill(3);
            cluster.await(Duration.ofSeconds(30), () -> cluster.node(1).stateOf("node-3").orElseThrow() == MemberState.DEAD);
            cluster.heal();
            runs.add(String.join("; ", cluster.faults()));
            throw new AssertionError("on purpose");
        }
    }

    static final class FourRuns {
        static final List<String> seen = new CopyOnWriteArrayList<>();

        @ClusterTest(sizes = {2, 3}, modes = {Mode.EMBEDDED, Mode.SIMULATED})
        void records(TestCluster cluster) {
            seen.add(cluster.mode() + "/" + cluster.size());
        }
    }

    /** PROCESS mode, in a module without a provider of process clusters (the testkit's own tests). */
    static final class ProcessWithoutProvider {
        @ClusterTest(size = 3, mode = Mode.PROCESS)
        void neverRuns(TestCluster cluster) {
            throw new AssertionError("PROCESS mode ran without a provider");
        }
    }

    @Test
    void processModeWithoutAProviderSaysWhichArtifactToAdd() {
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectMethod(ProcessWithoutProvider.class,
                "neverRuns", TestCluster.class.getName())).execute().testEvents();
        tests.assertStatistics(s -> s.failed(1));
        Throwable failure = tests.failed().list().get(0).getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .orElseThrow().getThrowable().orElseThrow();
        assertThat(failure).hasMessageContaining("mode PROCESS").hasMessageContaining(
                "dev.muster.testkit.spi.ProcessClusters").hasMessageContaining("dev.muster:muster-cli");
    }

    @Test
    void sizesTimesModesGiveOneRunEach() {
        FourRuns.seen.clear();
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectMethod(FourRuns.class, "records",
                TestCluster.class.getName())).execute().testEvents();
        tests.assertStatistics(s -> s.started(4).succeeded(4));
        assertThat(FourRuns.seen).containsExactlyInAnyOrder("EMBEDDED/2", "EMBEDDED/3", "SIMULATED/2", "SIMULATED/3");
    }

    @Test
    void aFailureNamesTheSeedAndFaultsAndTheSeedReplaysTheRun() {
        FailingOnPurpose.runs.clear();
        for (int i = 0; i < 2; i++) {
            Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectMethod(FailingOnPurpose.class,
                    "failsAfterAKill", TestCluster.class.getName())).execute().testEvents();
            tests.assertStatistics(s -> s.failed(1));
            Throwable failure = tests.failed().list().get(0).getPayload(org.junit.platform.engine.TestExecutionResult.class)
                    .orElseThrow().getThrowable().orElseThrow();
            assertThat(failure).hasMessage("on purpose");
            assertThat(failure.getSuppressed()).hasSize(1);
            assertThat(failure.getSuppressed()[0].getMessage()).contains("mode SIMULATED", "size 4", "seed 4242",
                    "kill 3", "heal", "-Dmuster.test.seed=4242");
        }
        assertThat(FailingOnPurpose.runs).hasSize(2);
        assertThat(FailingOnPurpose.runs.get(1)).as("the same seed gives the same schedule, to the virtual millisecond")
                .isEqualTo(FailingOnPurpose.runs.get(0));
    }

    private static ClusterTest spec(int size, int[] sizes) {
        return new ClusterTest() {
            @Override public Class<? extends Annotation> annotationType() { return ClusterTest.class; }
            @Override public int size() { return size; }
            @Override public int[] sizes() { return sizes; }
            @Override public Mode mode() { return Mode.EMBEDDED; }
            @Override public Mode[] modes() { return new Mode[0]; }
            @Override public long seed() { return 0; }
        };
    }
}
