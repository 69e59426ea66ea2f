package dev.muster.testkit.spi;

import dev.muster.testkit.ClusterDriver;

/**
 * Makes the {@link ClusterDriver} of {@link dev.muster.testkit.ClusterTest.Mode#PROCESS}: nodes
 * as separate processes. The testkit cannot launch node processes itself (the node server lives
 * in modules that depend on it), so a provider on the test class path does, found with
 * {@link java.util.ServiceLoader} through
 * {@code META-INF/services/dev.muster.testkit.spi.ProcessClusters}; {@code dev.muster:muster-cli}
 * has one, which runs each node as {@code muster serve}.
 *
 * <p>The driver {@link #driver} returns must give every cluster ports no other cluster uses, also
 * one started in parallel or by another JVM; end its processes on {@link ClusterDriver#close},
 * and make them end by themselves when the JVM that started them dies. Methods that cannot work
 * across processes may throw {@link UnsupportedOperationException} saying so, but none that
 * {@link dev.muster.testkit.TestCluster} uses. Implementations must be thread-safe: JUnit may ask
 * for clusters from several threads at once.
 */
public interface ProcessClusters {

    /** A driver for one cluster, not started yet. */
    ClusterDriver driver();
}
