package dev.muster.server;

import dev.muster.services.LatencyHistogram;
import dev.muster.services.ServiceStats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The per-service RPC families of {@code /metrics}: this node's counters of each service it called
 * or served ({@code cluster.services().stats()}) and the latency of its calls as a Prometheus
 * histogram, tagged {@code service} (at most 1025 values: the runtime keeps counters for 1024 names
 * and one shared {@code (other)} entry past them).
 *
 * <p>Why a Prometheus collector and not Micrometer meters: a Micrometer timer records latencies
 * itself, while these histograms exist already in the RPC runtime ({@link LatencyHistogram}, one
 * atomic add per call); a collector exposes them as they are, read once per scrape, and new
 * services appear without registering meters. The buckets are the histogram's exact counts under
 * each power of two of microseconds from {@link #LOWEST_POWER 2^4 µs} (16 µs) to
 * {@link #HIGHEST_POWER 2^29 µs} (about 537 s), then {@code +Inf}: 27 buckets, factor 2 apart, no
 * interpolation. The sum is the histogram's sum of recorded latencies.
 *
 * <p>Thread-safe: {@link #collect()} runs on the scraping thread and reads only the figures the
 * scrape published.
 */
final class RpcCollector implements MultiCollector {

    /** The smallest bucket bound exposed, as a power of two of microseconds: 16 µs. */
    static final int LOWEST_POWER = 4;
    /**
     * The largest finite bound: 2^29 µs, about 537 s, past the longest timeout the API lets a call
     * have ({@link ServicesApi#MAX_TIMEOUT}, 5 minutes).
     */
    static final int HIGHEST_POWER = 29;

    private static final double[] BOUNDS = bounds();

    private final Supplier<NodeFigures> figures;

    RpcCollector(Supplier<NodeFigures> figures) {
        this.figures = figures;
    }

    private static double[] bounds() {
        double[] b = new double[HIGHEST_POWER - LOWEST_POWER + 2];
        for (int k = LOWEST_POWER; k <= HIGHEST_POWER; k++) {
            b[k - LOWEST_POWER] = (1L << k) / 1e6; // seconds
        }
        b[b.length - 1] = Double.POSITIVE_INFINITY;
        return b;
    }

    @Override
    public MetricSnapshots collect() {
        NodeFigures now = figures.get();
        if (now == null) {
            return MetricSnapshots.of();
        }
        Map<String, ServiceStats> services = new TreeMap<>(now.services);
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(counter(services, "muster_rpc_calls", "calls this node made (first attempts)", ServiceStats::calls));
        out.add(counter(services, "muster_rpc_errors", "calls made that failed, timeouts included", ServiceStats::errors));
        out.add(counter(services, "muster_rpc_timeouts", "calls made that failed at their deadline",
                ServiceStats::timeouts));
        out.add(counter(services, "muster_rpc_retries", "extra attempts of idempotent calls", ServiceStats::retries));
        out.add(counter(services, "muster_rpc_served", "calls this node's handler ran", ServiceStats::served));
        out.add(counter(services, "muster_rpc_serve_errors", "calls this node's handler failed",
                ServiceStats::serveErrors));
        GaugeSnapshot.Builder inFlight = GaugeSnapshot.builder().name("muster_rpc_in_flight")
                .help("calls this node made that wait for a reply now");
        CounterSnapshot.Builder bytes = CounterSnapshot.builder().name("muster_rpc_payload_bytes").unit(Unit.BYTES)
                .help("payload bytes of calls made: requests sent (out) and replies received (in)");
        HistogramSnapshot.Builder latency = HistogramSnapshot.builder().name("muster_rpc_latency_seconds")
                .unit(Unit.SECONDS).help("latency of completed calls this node made, successful or not");
        services.forEach((name, s) -> {
            Labels service = Labels.of("service", name);
            inFlight.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(service).value(s.inFlight()).build());
            bytes.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(service.add("direction", "out")).value(s.bytesOut()).build());
            bytes.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(service.add("direction", "in")).value(s.bytesIn()).build());
            latency.dataPoint(histogram(service, s.latency()));
        });
        out.add(inFlight.build());
        out.add(bytes.build());
        out.add(latency.build());
        return new MetricSnapshots(out);
    }

    private static CounterSnapshot counter(Map<String, ServiceStats> services, String name, String help,
                                           ToLongFunction<ServiceStats> value) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        services.forEach((service, s) -> b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                .labels(Labels.of("service", service)).value(value.applyAsLong(s)).build()));
        return b.build();
    }

    /** One service's histogram: the cumulative counts under each bound, turned into per-bucket counts. */
    static HistogramSnapshot.HistogramDataPointSnapshot histogram(Labels labels, LatencyHistogram.Snapshot l) {
        List<Long> under = l.countsUnderPowersOfTwo();
        long[] counts = new long[BOUNDS.length];
        long below = 0;
        for (int i = 0; i < BOUNDS.length - 1; i++) {
            long cumulative = under.get(LOWEST_POWER + i);
            counts[i] = cumulative - below;
            below = cumulative;
        }
        counts[BOUNDS.length - 1] = l.count() - below;
        return HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
                .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS, counts))
                .sum(l.sumMillis() / 1000).build();
    }
}
