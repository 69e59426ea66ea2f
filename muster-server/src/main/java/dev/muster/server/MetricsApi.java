package dev.muster.server;

import dev.muster.Cluster;
import dev.muster.agents.AgentRuntime;
import dev.muster.control.ControlPlane;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToDoubleFunction;

/**
 * {@code GET /metrics}: this node in the Prometheus text format (0.0.4), or OpenMetrics when the
 * scraper's {@code Accept} asks for {@code application/openmetrics-text}, through Micrometer's
 * Prometheus registry. docs/metrics.md lists every family.
 *
 * <p>Each instance has its own registry, never the global one: an embedded local cluster runs many
 * nodes in one JVM, and each node's {@code /metrics} shows that node. What it holds:
 * <ul>
 *   <li>{@link NodeMeters}: members by state, membership and transport counters, gossip and
 *       push-pull traffic, the content store, the leader, term and leader changes, agents by phase;
 *   <li>{@link RpcCollector}: per-service call counters and latency histograms;
 *   <li>Micrometer's JVM binders (memory, GC, threads, classes, JVM info) and process and host
 *       figures (CPU use and count, load average, uptime, open files), and the host's physical
 *       memory from {@link HealthReporter}'s shared OSHI instance.
 * </ul>
 *
 * <p>Nothing is counted on a hot path: a scrape reads the node once ({@link NodeFigures}) and every
 * meter reads those figures. Scrapes of one node run one at a time, so the figures a meter reads
 * are the ones its own scrape read. A closed node answers 503 {"error","detail"}, as the other
 * endpoints do.
 *
 * <p>Thread-safe: Helidon runs each request on a virtual thread; the figures are read and the
 * registry scraped under one lock per instance. {@link #close()} removes the GC binder's
 * notification listeners and the leader subscription.
 */
final class MetricsApi implements AutoCloseable {

    /** The Prometheus text format's content type. */
    static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";
    /** OpenMetrics', served when the scraper accepts it. */
    static final String OPEN_METRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final Cluster cluster;
    private final ControlPlane control;
    private final AgentRuntime runtime;
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final LeaderWatch leaders;
    /** Held here: the registry's function counters reference it weakly. */
    private final NodeMeters meters;
    private final ReentrantLock scraping = new ReentrantLock();
    /** The figures of the scrape in progress (or the last one); written under {@link #scraping}. */
    private volatile NodeFigures figures;
    private volatile boolean closed;

    /**
     * @param control the node's control plane, or null for none (no control-plane families)
     * @param runtime the node's agent runtime, or null for none (no {@code muster_node_agents})
     */
    MetricsApi(Cluster cluster, ControlPlane control, AgentRuntime runtime) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.control = control;
        this.runtime = runtime;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), Clock.SYSTEM);
        this.leaders = control == null ? null : new LeaderWatch(control);
        try {
            this.meters = new NodeMeters(registry, cluster.localMember().name(), cluster.clusterName(), () -> figures,
                    leaders, runtime != null);
            registry.getPrometheusRegistry().register(new RpcCollector(() -> figures));
            new JvmMemoryMetrics().bindTo(registry);
            gc.bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ClassLoaderMetrics().bindTo(registry);
            new JvmInfoMetrics().bindTo(registry);
            new UptimeMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            new FileDescriptorMetrics().bindTo(registry);
            hostMemory("muster.host.memory.total.bytes", "the host's physical memory",
                    HealthReporter.HostMemory::totalBytes);
            hostMemory("muster.host.memory.available.bytes", "physical memory available to start programs without"
                    + " swapping", HealthReporter.HostMemory::availableBytes);
        } catch (RuntimeException e) {
            close(); // the leader subscription and any GC listener already registered
            throw e;
        }
    }

    private void hostMemory(String name, String help, ToDoubleFunction<HealthReporter.HostMemory> figure) {
        Gauge.builder(name, () -> {
            double v = figure.applyAsDouble(HealthReporter.hostMemory());
            return v < 0 ? Double.NaN : v;
        }).description(help).baseUnit("bytes").register(registry);
    }

    void routes(HttpRouting.Builder r) {
        r.get("/metrics", this::scrape);
    }

    private void scrape(ServerRequest req, ServerResponse res) {
        String type = req.headers().first(HeaderNames.ACCEPT).filter(a -> a.contains("application/openmetrics-text"))
                .map(a -> OPEN_METRICS).orElse(TEXT_FORMAT);
        byte[] body;
        try {
            body = scrape(type);
        } catch (IllegalStateException stopped) {
            NodeServer.fail(res, new ApiError(503, "node stopped", stopped.getMessage()));
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, type);
        res.send(body);
    }

    /**
     * Reads the node and writes every family in {@code contentType} ({@link #TEXT_FORMAT} or
     * {@link #OPEN_METRICS}).
     *
     * @throws IllegalStateException once the node or this instance is closed
     */
    byte[] scrape(String contentType) {
        scraping.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the metrics of this node are closed");
            }
            figures = NodeFigures.read(cluster, control, runtime);
            if (leaders != null) {
                leaders.seen(figures.control.leader()); // the listener may not have run yet
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
            registry.scrape(out, contentType);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the metrics", e); // a byte array does not fail
        } finally {
            scraping.unlock();
        }
    }

    /** Stops the GC listeners and the leader subscription; later scrapes answer 503. Idempotent. */
    @Override
    public void close() {
        scraping.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                gc.close();
            } finally {
                try {
                    if (leaders != null) {
                        leaders.close();
                    }
                } finally {
                    registry.close();
                }
            }
        } finally {
            scraping.unlock();
        }
    }
}
