package dev.muster.testkit;

import dev.muster.testkit.spi.ProcessClusters;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The engine of {@link ClusterTest}: one invocation per (mode, size), each with its own cluster,
 * made when the test asks for its {@link TestCluster} and closed by JUnit's store when the
 * invocation ends, whatever happened. A failure gets the run's mode, size, seed and faults.
 *
 * <p>Thread-safe: JUnit may run invocations in parallel; each has its own cluster.
 */
final class ClusterTestExtension implements TestTemplateInvocationContextProvider {

    /** Largest cluster a test may ask for in one JVM: the simulator goes far beyond, sockets do not. */
    static final int MAX_EMBEDDED_SIZE = 64;
    static final int MAX_SIMULATED_SIZE = 10_000;
    /** A process node holds about 190 MB (docs/benchmarks.md): a few dozen fill a developer machine. */
    static final int MAX_PROCESS_SIZE = 32;

    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return context.getTestMethod().map(m -> AnnotationSupport.isAnnotated(m, ClusterTest.class)).orElse(false);
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        Method method = context.getRequiredTestMethod();
        ClusterTest spec = AnnotationSupport.findAnnotation(method, ClusterTest.class).orElseThrow();
        List<Integer> sizes = sizes(spec, System.getenv());
        List<ClusterTest.Mode> modes = spec.modes().length > 0 ? List.of(spec.modes()) : List.of(spec.mode());
        long seed = seed(spec);
        List<TestTemplateInvocationContext> runs = new ArrayList<>();
        for (ClusterTest.Mode mode : new LinkedHashSet<>(modes)) {
            for (int size : sizes) {
                check(mode, size);
                runs.add(new Run(mode, size, seed));
            }
        }
        return runs.stream();
    }

    /** The sizes to run: the environment's override, else sizes, else size. */
    static List<Integer> sizes(ClusterTest spec, Map<String, String> env) {
        String ci = env.get("CI");
        boolean onCi = ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
        for (String var : onCi ? List.of("CI_CLUSTER_SIZE", "CLUSTER_SIZE") : List.of("CLUSTER_SIZE")) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                try {
                    return List.of(Integer.parseInt(v.strip()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(var + ": '" + v + "' must be a whole number (a cluster size)");
                }
            }
        }
        Set<Integer> sizes = new LinkedHashSet<>();
        if (spec.sizes().length > 0) {
            for (int s : spec.sizes()) {
                sizes.add(s);
            }
        } else {
            sizes.add(spec.size());
        }
        return List.copyOf(sizes);
    }

    private static void check(ClusterTest.Mode mode, int size) {
        int max = switch (mode) {
            case SIMULATED -> MAX_SIMULATED_SIZE;
            case PROCESS -> MAX_PROCESS_SIZE;
            case EMBEDDED -> MAX_EMBEDDED_SIZE;
        };
        if (size < 1 || size > max) {
            throw new IllegalArgumentException("@ClusterTest size " + size + " in mode " + mode + " must be between 1 and "
                    + max);
        }
    }

    private static long seed(ClusterTest spec) {
        String property = System.getProperty("muster.test.seed");
        if (property != null && !property.isBlank()) {
            try {
                return Long.parseLong(property.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("muster.test.seed: '" + property + "' must be a whole number");
            }
        }
        return spec.seed() != 0 ? spec.seed() : ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    }

    /** One invocation: a mode, a size and a seed. */
    private record Run(ClusterTest.Mode mode, int size, long seed) implements TestTemplateInvocationContext {

        @Override
        public String getDisplayName(int invocationIndex) {
            return mode.name().toLowerCase(java.util.Locale.ROOT) + ", " + size + " nodes"
                    + (mode == ClusterTest.Mode.SIMULATED ? ", seed " + seed : "");
        }

        @Override
        public List<Extension> getAdditionalExtensions() {
            return List.of(new Resolver(this), new Reporter());
        }
    }

    /** Gives the test its cluster, started and formed, kept in the invocation's store for closing. */
    private record Resolver(Run run) implements ParameterResolver {

        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
            return p.getParameter().getType() == TestCluster.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext e) {
            return e.getStore(NAMESPACE).getOrComputeIfAbsent(KEY, k -> start(run), Handle.class).cluster();
        }

        private static Handle start(Run run) {
            ClusterDriver driver = switch (run.mode()) {
                case SIMULATED -> new SimulatedDriver(run.seed());
                case EMBEDDED -> new EmbeddedDriver();
                case PROCESS -> processDriver();
            };
            DriverCluster cluster;
            try {
                cluster = new DriverCluster(run.mode(), run.seed(), driver, run.size());
            } catch (Exception ex) {
                driver.close();
                throw new ParameterResolutionException("the " + run.size() + "-node " + run.mode() + " cluster did not start: "
                        + ex.getMessage(), ex);
            }
            try {
                cluster.awaitFormed();
            } catch (RuntimeException | AssertionError ex) {
                cluster.close();
                throw new ParameterResolutionException(ex.getMessage(), ex);
            }
            return new Handle(cluster);
        }
    }

    /** The driver of the first {@link ProcessClusters} provider on the class path. */
    static ClusterDriver processDriver() {
        return ServiceLoader.load(ProcessClusters.class, ClusterTestExtension.class.getClassLoader()).findFirst()
                .map(ProcessClusters::driver)
                .orElseThrow(() -> new ParameterResolutionException("@ClusterTest mode PROCESS needs a provider of "
                        + ProcessClusters.class.getName() + " on the test class path, and there is none: add the test"
                        + " dependency dev.muster:muster-cli, which runs each node as a 'muster serve' process"));
    }

    /** Closes the cluster when JUnit closes the invocation's store. */
    private record Handle(DriverCluster cluster) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            cluster.close();
        }
    }

    /** Attaches the run's description to a failure, and prints it, so it can be replayed. */
    private static final class Reporter implements TestExecutionExceptionHandler {
        @Override
        public void handleTestExecutionException(ExtensionContext e, Throwable failure) throws Throwable {
            Handle h = e.getStore(NAMESPACE).get(KEY, Handle.class);
            if (h != null) {
                String run = h.cluster().describe() + (h.cluster().mode() == ClusterTest.Mode.SIMULATED
                        ? "; replay with @ClusterTest(seed = " + h.cluster().seed() + "L) or -Dmuster.test.seed="
                        + h.cluster().seed() : "");
                System.err.println(e.getDisplayName() + " failed: " + run);
                failure.addSuppressed(new ClusterRun(run));
            }
            throw failure;
        }
    }

    /** The run a failure happened in, attached to it as a suppressed exception. */
    static final class ClusterRun extends Exception {
        private static final long serialVersionUID = 1L;

        ClusterRun(String description) {
            super(description, null, false, false);
        }
    }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClusterTestExtension.class);
    private static final String KEY = "cluster";
}
