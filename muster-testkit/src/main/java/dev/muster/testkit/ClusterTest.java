package dev.muster.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test against a running cluster, once per size and mode; the test takes a
 * {@link TestCluster} parameter.
 *
 * <pre>{@code
 * @ClusterTest(sizes = {3, 5}, modes = {Mode.EMBEDDED, Mode.PROCESS, Mode.SIMULATED})
 * void aCrashedNodeIsDeclaredDead(TestCluster cluster) {
 *     cluster.kill(2);
 *     assertThat(cluster.await(Duration.ofSeconds(30),
 *             () -> cluster.node(1).stateOf("node-2").orElseThrow() == MemberState.DEAD)).isTrue();
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Each invocation gets a fresh cluster, formed (every node sees every other alive) before the
 *       test starts, and closed after it, pass or fail.
 *   <li>Sizes: {@link #sizes()} when given, else {@link #size()}. The environment variable
 *       {@code CI_CLUSTER_SIZE} (read only when {@code CI} is set) or else {@code CLUSTER_SIZE}
 *       replaces them with one size, so CI can run smaller.
 *   <li>A failing test gets the mode, size, seed and fault schedule attached to its failure (and on
 *       stderr); {@link #seed()} or the system property {@code muster.test.seed} replays a
 *       simulated run exactly.
 *   <li>Embedded nodes bind 127.0.0.1 on ports the OS picks, so tests can run in parallel.
 *       Process nodes bind 127.0.0.1 on a block of ports below 32768 that the starting JVM holds
 *       a lock on while the cluster runs (system property {@code muster.test.ports}, default
 *       {@code 20000-32767}, narrows the range), so parallel tests and JVMs do not collide.
 *   <li>Process nodes end with the test: at its end, and by themselves when the test JVM dies.
 *   <li>{@link TestCluster} works the same in every mode; the low-level {@link ClusterDriver}
 *       listeners and {@link TestNode#cluster()} exist only where the nodes run in this JVM.
 * </ul>
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@TestTemplate
@ExtendWith(ClusterTestExtension.class)
public @interface ClusterTest {

    /** How the cluster runs. */
    enum Mode {
        /** One {@code Cluster} per node in the test JVM over real loopback sockets; wall-clock time. */
        EMBEDDED,
        /** The deterministic simulator: virtual time and network, replayable from the seed. */
        SIMULATED,
        /**
         * One process per node ({@code muster serve}, with fault injection on) over real loopback
         * sockets; wall-clock time. Kill is SIGKILL, leave is SIGTERM, partitions are black holes
         * set through each node's {@code /api/faults}. Needs a
         * {@link dev.muster.testkit.spi.ProcessClusters} provider on the test class path: the test
         * dependency {@code dev.muster:muster-cli}.
         */
        PROCESS
    }

    /** The cluster size, when {@link #sizes()} is empty. */
    int size() default 3;

    /** Sizes to run the test at, once each. */
    int[] sizes() default {};

    /** The mode, when {@link #modes()} is empty. */
    Mode mode() default Mode.EMBEDDED;

    /** Modes to run the test in, once each (times each size). */
    Mode[] modes() default {};

    /** The simulator's seed; 0 draws a fresh one (printed when the test fails). */
    long seed() default 0;
}
