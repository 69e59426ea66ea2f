package dev.muster.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.muster.Durations;
import dev.muster.membership.MembershipConfig;
import dev.muster.sim.Percentiles;
import dev.muster.sim.SimReport;
import dev.muster.sim.SimScenario;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code muster sim}: runs the membership protocol for N nodes in the deterministic simulator
 * and prints what it measured.
 */
@Command(name = "sim",
        mixinStandardHelpOptions = true,
        description = {
            "Run the SWIM + Lifeguard membership protocol for N simulated nodes on a virtual clock.",
            "Nodes start together and join through three seeds; crashes and stalls are spread over",
            "the middle of the run (20%%..70%% of the duration). The same --seed replays the same run."},
        sortOptions = false)
final class SimCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--nodes", paramLabel = "N", description = "Nodes to simulate, 1..20000 (default: ${DEFAULT-VALUE}).")
    int nodes = 100;

    @Option(names = "--seed", description = "Seed of the one PRNG behind the run (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--loss", paramLabel = "P", description = "Datagram loss: a fraction 0..<1 or a percentage like 5%% (default: 0).")
    String loss = "0";

    @Option(names = "--crash", paramLabel = "K", description = "Nodes to crash during the run (default: 0).")
    int crashes;

    @Option(names = "--stall", paramLabel = "K", description = "Stalls (pauses) of random single nodes during the run (default: 0).")
    int stalls;

    @Option(names = "--stall-min", paramLabel = "DURATION", description = "Shortest stall (default: ${DEFAULT-VALUE}).")
    String stallMin = "2s";

    @Option(names = "--stall-max", paramLabel = "DURATION", description = "Longest stall (default: ${DEFAULT-VALUE}).")
    String stallMax = "5s";

    @Option(names = "--duration", paramLabel = "DURATION", description = "Simulated time to run, e.g. 120s or 30m (default: ${DEFAULT-VALUE}).")
    String duration = "60s";

    @Option(names = "--profile", description = "Protocol timing profile: lan, local or wan (default: ${DEFAULT-VALUE}).")
    String profile = "lan";

    @Option(names = "--no-lifeguard", description = "Switch the Lifeguard refinements off (plain SWIM), for comparison.")
    boolean noLifeguard;

    @Option(names = "--latency", paramLabel = "DURATION", description = "Mean one-way network latency (default: ${DEFAULT-VALUE}).")
    String latency = "500us";

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        MembershipConfig config = MembershipConfig.preset(profile);
        if (noLifeguard) {
            config = config.toBuilder().lifeguard(false).build();
        }
        long latencyNanos = Durations.parse("--latency", latency).toNanos();
        SimScenario.Options options = SimScenario.builder()
                .nodes(nodes)
                .seed(seed)
                .loss(parseLoss(loss))
                .crashes(crashes)
                .stalls(stalls)
                .stallNanos(Durations.parse("--stall-min", stallMin).toNanos(),
                        Durations.parse("--stall-max", stallMax).toNanos())
                .durationNanos(Durations.parse("--duration", duration).toNanos())
                .config(profile, config)
                .latencyNanos(latencyNanos * 2 / 5, latencyNanos * 3 / 5)
                .build();
        SimReport report = new SimScenario(options).run(progressEvery(PROGRESS_INTERVAL_NANOS, options.durationNanos()));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(mapper().writeValueAsString(report));
        } else {
            printText(out, report);
        }
        out.flush();
        return 0;
    }

    /** A long run says how far it got on stderr this often (wall time); stdout stays the report. */
    private static final long PROGRESS_INTERVAL_NANOS = 10_000_000_000L;

    private java.util.function.LongConsumer progressEvery(long intervalNanos, long durationNanos) {
        long start = System.nanoTime();
        long[] next = {start + intervalNanos};
        PrintWriter err = spec.commandLine().getErr();
        return simulatedNanos -> {
            long now = System.nanoTime();
            if (now >= next[0] && simulatedNanos < durationNanos) {
                next[0] = now + intervalNanos;
                err.printf("muster sim: %d of %d simulated seconds after %d s%n", simulatedNanos / 1_000_000_000L,
                        durationNanos / 1_000_000_000L, (now - start) / 1_000_000_000L);
                err.flush();
            }
        };
    }

    static ObjectMapper mapper() {
        return new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .setSerializationInclusion(JsonInclude.Include.ALWAYS)
                .enable(SerializationFeature.INDENT_OUTPUT);
    }

    static double parseLoss(String text) {
        String s = text.strip();
        try {
            double v = s.endsWith("%") ? Double.parseDouble(s.substring(0, s.length() - 1)) / 100
                    : Double.parseDouble(s);
            if (v >= 0 && v < 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("--loss '" + text
                + "' must be a fraction from 0 to below 1 (0.05) or a percentage below 100 (5%)");
    }

    private static void printText(PrintWriter out, SimReport r) {
        out.printf("nodes %d, seed %d, profile %s, lifeguard %s, loss %.1f%%, %s simulated in %d ms wall%n",
                r.nodes(), r.seed(), r.profile(), r.lifeguard() ? "on" : "off", r.loss() * 100,
                Durations.format(java.time.Duration.ofMillis((long) (r.simSeconds() * 1000))), r.wallMs());
        out.printf("join convergence   %s (per node %s; %d of %d nodes)%n",
                r.joinConvergenceMs() == null ? "not reached" : r.joinConvergenceMs() + " ms",
                pct(r.joinConvergencePerNodeMs()), r.convergedNodes(), r.nodes());
        out.printf("crash detection    %s over %d crashes, %d undetected%n", pct(r.detectionMs()), r.crashes(),
                r.undetected());
        out.printf("false positives    %d nodes (%d declarations) over %d stalls%n", r.falsePositives(),
                r.falsePositiveEvents(), r.stalls());
        out.printf("traffic            %.1f msgs/s, %.0f B/s per node (idle: %s msgs/s, %s B/s)%n",
                r.msgsPerNodePerS(), r.bytesPerNodePerS(),
                r.idleMsgsPerNodePerS() == null ? "-" : r.idleMsgsPerNodePerS(),
                r.idleBytesPerNodePerS() == null ? "-" : String.format("%.0f", r.idleBytesPerNodePerS()));
        out.printf("trace              sha256 %s (%d events)%n", r.traceSha256(), r.membershipEvents());
    }

    private static String pct(Percentiles p) {
        return p.p50() == null ? "-" : "p50 " + p.p50() + " ms, p99 " + p.p99() + " ms, max " + p.max() + " ms";
    }
}
