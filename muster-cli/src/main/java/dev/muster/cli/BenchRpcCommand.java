package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.Durations;
import dev.muster.services.CallOptions;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code muster bench rpc}: small echo calls between two nodes in this JVM on loopback, and
 * gRPC-java's unary echo measured the same way in the same run as the reference.
 *
 * <p>Each system in turn (Muster first, then gRPC; the first is closed before the second
 * starts, so neither runs in the other's background): a warm-up of closed-loop calls, then
 * <ol>
 *   <li><b>throughput</b>: {@code --callers} calls kept in flight for {@code --duration}; each
 *       completion issues the next call from the thread that completed it (an event loop for
 *       Muster), which never blocks. Latency counts from the send.</li>
 *   <li><b>fixed rate</b>: one sender thread issues {@code --rate} calls per second on a fixed
 *       schedule that does not wait for replies, and latency counts from the <em>scheduled</em>
 *       send time, so a stall (of the sender, a loop or the collector) shows in the figures
 *       instead of silently delaying the next send (coordinated omission).</li>
 * </ol>
 * Every latency is kept in nanoseconds and sorted for the quantiles. The CPU time of the whole
 * process per completed call is reported too: client and server share the JVM, so it is the
 * cost of both ends of one call, plus Muster's gossip.
 *
 * <p>The gRPC side (grpc-netty-shaded, a server bound to 127.0.0.1 and a plaintext channel) is
 * by default set up like a Muster node: one NIO event loop for the server and one for the
 * client, as the two Muster nodes get one loop each of the shared pair, and the handler and the
 * client's callbacks run on them (direct executor; Muster runs its handler on a virtual thread,
 * so this favours gRPC). {@code --grpc-setup default} measures gRPC out of the box instead:
 * epoll, its shared group of 2 x cores event loops and its cached thread pool. The echo method
 * is a unary {@link io.grpc.MethodDescriptor} with a byte[] marshaller (no protobuf), so neither
 * side pays for a codec the other does not. All gRPC code sits in {@link Grpc}, which is loaded
 * only when this command runs: other commands neither load nor verify a gRPC class.
 */
@Command(name = "rpc", mixinStandardHelpOptions = true,
        description = "Measure echo calls between two in-JVM nodes on loopback, with gRPC-java's unary echo as the"
                + " reference in the same run: throughput with --callers in flight, and latency at a fixed --rate.")
final class BenchRpcCommand implements Callable<Integer> {

    @Option(names = "--payload-bytes", defaultValue = "32", description = "Request (and reply) payload size (default ${DEFAULT-VALUE}).")
    int payloadBytes;

    @Option(names = "--callers", defaultValue = "64", description = "Calls kept in flight in the throughput phase (default ${DEFAULT-VALUE}).")
    int callers;

    @Option(names = "--rate", defaultValue = "2000", description = "Calls per second in the fixed-rate phase (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--duration", defaultValue = "10s", description = "Length of each measured phase (default ${DEFAULT-VALUE}).")
    String duration;

    /*
     * 30 s, not less: on 2 cores gRPC's closed loop still runs at 3-20k calls/s after 3 s, while the
     * JIT compiles its call path, and reaches its plateau of 60-100k only after 7-25 s. Muster's is
     * flat after 2 s.
     */
    @Option(names = "--warmup", defaultValue = "30s",
            description = "Closed-loop calls before measuring each system: gRPC needs 7-25 s of them on 2 cores to"
                    + " reach its steady speed (default ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--systems", defaultValue = "muster,grpc", split = ",",
            description = "Systems to measure, comma-separated: muster, grpc; Muster runs first (default ${DEFAULT-VALUE}).")
    List<String> systems;

    @Option(names = "--grpc-setup", defaultValue = "matched",
            description = "How gRPC runs: matched (like a Muster node: one NIO event loop per side, handler and"
                    + " callbacks on it) or default (out of the box: epoll, a shared group of event loops, its thread"
                    + " pool for handlers and callbacks) (default ${DEFAULT-VALUE}).")
    String grpcSetup;

    @Option(names = "--json", description = "Print the figures as one JSON object.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Largest payload: 64 callers of it stay well inside the heap and both systems' 4 MiB message limit. */
    static final int MAX_PAYLOAD_BYTES = 1 << 20;
    /** Callers at most: Muster's rpc.max-in-flight per connection is 1024 by default. */
    static final int MAX_CALLERS = 1024;
    static final int MAX_RATE = 200_000;
    /** Longest phase; at Muster's ~250k calls/s a 2 min phase outgrows MAX_SAMPLES. */
    static final Duration MAX_DURATION = Duration.ofMinutes(2);
    /** Deadline of every call; a call that has none of its reply by then counts as an error. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
    /** Latencies kept per phase, at most (128 MB of longs); past it calls are counted but not kept. */
    static final int MAX_SAMPLES = 1 << 24;

    /** One system under test: an echo server and a client to it, both in this JVM. */
    interface Echo extends AutoCloseable {
        /**
         * Sends one echo call; {@code done} runs once, when it ends, on any thread, with true when
         * the reply came back as long as the request. Never blocks.
         */
        void call(byte[] payload, Done done);

        @Override
        void close();
    }

    /** How a call ended. */
    @FunctionalInterface
    interface Done {
        void ended(boolean ok);
    }

    @Override
    public Integer call() throws Exception {
        long durationNanos = Durations.parse("--duration", duration).toNanos();
        long warmupNanos = Durations.parse("--warmup", warmup).toNanos();
        if (durationNanos < Duration.ofMillis(100).toNanos() || durationNanos > MAX_DURATION.toNanos()) {
            throw new IllegalArgumentException("--duration (" + duration + ") must be between 100ms and "
                    + Durations.format(MAX_DURATION));
        }
        if (warmupNanos > MAX_DURATION.toNanos()) {
            throw new IllegalArgumentException("--warmup (" + warmup + ") must be at most " + Durations.format(MAX_DURATION));
        }
        if (payloadBytes < 0 || payloadBytes > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("--payload-bytes (" + payloadBytes + ") must be between 0 and " + MAX_PAYLOAD_BYTES);
        }
        if (callers < 1 || callers > MAX_CALLERS) {
            throw new IllegalArgumentException("--callers (" + callers + ") must be between 1 and " + MAX_CALLERS);
        }
        if (rate < 1 || rate > MAX_RATE) {
            throw new IllegalArgumentException("--rate (" + rate + ") must be between 1 and " + MAX_RATE + " calls per second");
        }
        if (!grpcSetup.equals("matched") && !grpcSetup.equals("default")) {
            throw new IllegalArgumentException("--grpc-setup '" + grpcSetup + "' must be matched or default");
        }
        for (String s : systems) {
            if (!s.equals("muster") && !s.equals("grpc")) {
                throw new IllegalArgumentException("--systems: '" + s + "' is not a system; use muster, grpc or muster,grpc");
            }
        }
        byte[] payload = new byte[payloadBytes];
        new java.util.Random(7).nextBytes(payload);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("payload_bytes", payloadBytes).put("callers", callers).put("rate_per_s", rate)
                .put("duration_ms", durationNanos / 1_000_000).put("warmup_ms", warmupNanos / 1_000_000)
                .put("grpc_setup", grpcSetup)
                .put("cores", Runtime.getRuntime().availableProcessors()).put("java", Runtime.version().toString());
        for (String s : List.of("muster", "grpc")) {
            if (!systems.contains(s)) {
                continue;
            }
            System.gc(); // each system starts from a collected heap
            try (Echo e = s.equals("muster") ? new MusterEcho() : new Grpc(grpcSetup.equals("matched"))) {
                if (!json) {
                    spec.commandLine().getErr().printf("%s: warm-up %s, then %s closed loop and %s at %d/s ...%n", s,
                            Durations.format(Duration.ofNanos(warmupNanos)), duration, duration, rate);
                }
                closedLoop(e, payload, warmupNanos, false);
                ObjectNode r = out.putObject(s);
                r.set("throughput", closedLoop(e, payload, durationNanos, true).json(false));
                r.set("fixed_rate", fixedRate(e, payload, durationNanos).json(true));
            }
        }
        if (out.has("muster") && out.has("grpc")) {
            ObjectNode ratio = out.putObject("muster_over_grpc");
            ratio.put("calls_per_s", ratio(out, "/throughput/calls_per_s"));
            ratio.put("fixed_rate_p50", ratio(out, "/fixed_rate/latency_us/p50"));
            ratio.put("fixed_rate_p99", ratio(out, "/fixed_rate/latency_us/p99"));
            ratio.put("cpu_us_per_call", ratio(out, "/throughput/cpu_us_per_call"));
        }
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            w.println(out.toPrettyString());
        } else {
            print(w, out);
        }
        w.flush();
        return 0;
    }

    private static double ratio(ObjectNode out, String path) {
        double g = out.get("grpc").at(path).asDouble();
        return g == 0 ? 0 : Math.round(out.get("muster").at(path).asDouble() / g * 100) / 100.0;
    }

    // ------------------------------------------------------------------ the two phases

    /** {@code callers} chains of calls, each issuing its next call when the last one ends. */
    private Phase closedLoop(Echo e, byte[] payload, long nanos, boolean keep) throws InterruptedException {
        Phase p = new Phase(nanos, keep);
        long end = p.startNanos + nanos;
        CountDownLatch stopped = new CountDownLatch(callers);
        for (int i = 0; i < callers; i++) {
            new Chain(e, payload, p, end, stopped).next();
        }
        // every chain stops at the end, once its call in flight ends (each has a deadline)
        if (!stopped.await(nanos + CALL_TIMEOUT.toNanos() * 2, TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException("calls in flight did not end within " + Durations.format(CALL_TIMEOUT)
                    + " of their deadline");
        }
        p.finish();
        return p;
    }

    /** One caller of the closed loop. */
    private static final class Chain {
        final Echo echo;
        final byte[] payload;
        final Phase phase;
        final long endNanos;
        final CountDownLatch stopped;

        Chain(Echo echo, byte[] payload, Phase phase, long endNanos, CountDownLatch stopped) {
            this.echo = echo;
            this.payload = payload;
            this.phase = phase;
            this.endNanos = endNanos;
            this.stopped = stopped;
        }

        void next() {
            long sent = System.nanoTime();
            if (sent >= endNanos) {
                stopped.countDown();
                return;
            }
            echo.call(payload, ok -> {
                long now = System.nanoTime();
                if (now <= endNanos) { // a call that ends after the window is not counted
                    phase.ended(ok, now - sent);
                }
                if (ok) {
                    next();
                } else {
                    // a failure may come back on the calling thread at once: go on from another
                    // thread, so failing calls cannot nest without bound
                    ForkJoinPool.commonPool().execute(this::next);
                }
            });
        }
    }

    /**
     * {@code rate} calls per second from one thread, on a schedule fixed in advance. The sender
     * parks until each send time rather than spinning, which would take a core from the system
     * measured; how late it woke is part of each latency, and reported alone as the send lag,
     * next to the latencies counted from the actual send (those omit a stalled sender's delay).
     */
    private Phase fixedRate(Echo e, byte[] payload, long nanos) throws InterruptedException {
        Phase p = new Phase(nanos, true);
        long calls = Math.max(1, nanos * rate / 1_000_000_000L);
        CountDownLatch ended = new CountDownLatch((int) Math.min(Integer.MAX_VALUE, calls));
        for (long i = 0; i < calls; i++) {
            long at = p.startNanos + i * 1_000_000_000L / rate;
            long now;
            while ((now = System.nanoTime()) < at) {
                LockSupport.parkNanos(at - now);
            }
            long sent = now;
            p.sendLags.add(sent - at);
            e.call(payload, ok -> {
                long end = System.nanoTime();
                p.ended(ok, end - at);
                if (ok) {
                    p.fromSend.add(end - sent);
                }
                ended.countDown();
            });
        }
        if (!ended.await(CALL_TIMEOUT.toNanos() * 2, TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException("calls at a fixed rate did not end within " + Durations.format(CALL_TIMEOUT)
                    + " of their deadline");
        }
        p.finish();
        return p;
    }

    /** What one phase measured. Thread-safe: calls end on several threads. */
    private static final class Phase {
        final long windowNanos;
        final long startNanos = System.nanoTime();
        final long startCpuNanos = cpuNanos();
        final long[] startMachine = machineJiffies();
        final AtomicLong errors = new AtomicLong();
        final Samples latencies;
        /** Fixed rate only: how late the sender sent each call, and each latency from the actual send. */
        final Samples sendLags = new Samples(true);
        final Samples fromSend = new Samples(true);
        long cpuUsedNanos;
        /** Share of the machine's CPU that other processes used meanwhile, in percent; -1 if unknown. */
        double otherCpuPercent = -1;

        /** @param keep false (a warm-up) counts calls but keeps no latency */
        Phase(long windowNanos, boolean keep) {
            this.windowNanos = windowNanos;
            this.latencies = new Samples(keep);
        }

        void ended(boolean ok, long latencyNanos) {
            if (ok) {
                latencies.add(latencyNanos);
            } else {
                errors.incrementAndGet();
            }
        }

        void finish() {
            cpuUsedNanos = cpuNanos() - startCpuNanos;
            long[] end = machineJiffies();
            if (startMachine != null && end != null && end[1] > startMachine[1]) {
                // /proc/stat counts in clock ticks of USER_HZ, 100 per second on Linux
                double busyNanos = (end[0] - startMachine[0]) * 10_000_000.0;
                double allNanos = (end[1] - startMachine[1]) * 10_000_000.0;
                otherCpuPercent = Math.max(0, Math.round((busyNanos - cpuUsedNanos) / allNanos * 1000) / 10.0);
            }
            latencies.sort();
            sendLags.sort();
            fromSend.sort();
        }

        ObjectNode json(boolean fixedRate) {
            long ok = latencies.count();
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("calls", ok).put("errors", errors.get());
            o.put("calls_per_s", Math.round(ok / (windowNanos / 1e9)));
            o.put("cpu_us_per_call", ok == 0 ? 0 : round1(cpuUsedNanos / 1000.0 / ok));
            if (fixedRate) {
                o.set("latency_us", latencies.micros("p50", "p99", "p999", "max"));
                o.set("from_send_us", fromSend.micros("p50", "p99"));
                o.set("send_lag_us", sendLags.micros("p50", "p99"));
            } else {
                o.set("latency_us", latencies.micros("p50", "p99", "max"));
            }
            if (otherCpuPercent >= 0) {
                o.put("other_processes_cpu_percent", otherCpuPercent);
            }
            if (latencies.unkept > 0) {
                o.put("latencies_not_kept", latencies.unkept);
            }
            return o;
        }

        static double round1(double v) {
            return Math.round(v * 10) / 10.0;
        }

        /**
         * The machine's busy and total CPU time so far, in clock ticks, from /proc/stat; null where
         * there is none (not Linux).
         */
        private static long[] machineJiffies() {
            try {
                String[] f = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long total = 0;
                for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal
                    total += Long.parseLong(f[i]);
                }
                long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
                return new long[] {total - idle, total};
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        private static long cpuNanos() {
            return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
        }
    }

    /** Durations in nanoseconds, kept exactly (up to {@link #MAX_SAMPLES}) for exact quantiles. Thread-safe. */
    private static final class Samples {
        private final boolean keep;
        private long[] values;
        private int size;
        private long unkept;

        Samples(boolean keep) {
            this.keep = keep;
            this.values = new long[keep ? 1 << 16 : 0];
        }

        synchronized void add(long nanos) {
            if (size == values.length) {
                if (!keep || size >= MAX_SAMPLES) {
                    unkept++;
                    return;
                }
                values = Arrays.copyOf(values, Math.min(MAX_SAMPLES, size * 2));
            }
            values[size++] = nanos;
        }

        synchronized long count() {
            return size + unkept;
        }

        synchronized void sort() {
            Arrays.sort(values, 0, size);
        }

        /** Once sorted: the quantiles named (p50, p99, p999, max), in microseconds to 0.1. */
        synchronized ObjectNode micros(String... names) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            for (String name : names) {
                double q = switch (name) {
                    case "p50" -> 0.50;
                    case "p99" -> 0.99;
                    case "p999" -> 0.999;
                    default -> 1.0;
                };
                int i = (int) Math.min(size - 1, Math.max(0, Math.ceil(q * size) - 1));
                o.put(name, size == 0 ? 0 : Phase.round1(values[i] / 1000.0));
            }
            return o;
        }
    }

    private void print(PrintWriter w, ObjectNode out) {
        boolean both = out.has("muster") && out.has("grpc");
        w.printf("echo calls on loopback: %d-byte payload, %d cores, Java %s; %s per phase after a %s warm-up%n",
                payloadBytes, out.get("cores").asInt(), Runtime.version().feature(), duration, warmup);
        String head = "%-38s %12s %12s %12s%n";
        w.printf(head, "", systems.contains("muster") ? "muster" : "", systems.contains("grpc") ? "grpc" : "",
                both ? "muster/grpc" : "");
        for (String[] r : ROWS) {
            if (r.length == 1) {
                w.printf(r[0] + "%n", r[0].startsWith("throughput") ? callers : rate);
            } else {
                row(w, out, "  " + r[0], r[1], both && r.length == 3);
            }
        }
    }

    /** The table: a heading, or a label and a JSON path, and "ratio" where muster/grpc is shown. */
    private static final String[][] ROWS = {
        {"throughput, %d calls in flight"},
        {"calls/s", "/throughput/calls_per_s", "ratio"},
        {"latency p50 (us)", "/throughput/latency_us/p50", "ratio"},
        {"latency p99 (us)", "/throughput/latency_us/p99", "ratio"},
        {"latency max (us)", "/throughput/latency_us/max", "ratio"},
        {"CPU per call, both ends (us)", "/throughput/cpu_us_per_call", "ratio"},
        {"errors", "/throughput/errors"},
        {"other processes' CPU (% of machine)", "/throughput/other_processes_cpu_percent"},
        {"fixed rate, %d calls/s (latency from the scheduled send)"},
        {"latency p50 (us)", "/fixed_rate/latency_us/p50", "ratio"},
        {"latency p99 (us)", "/fixed_rate/latency_us/p99", "ratio"},
        {"latency p99.9 (us)", "/fixed_rate/latency_us/p999", "ratio"},
        {"latency max (us)", "/fixed_rate/latency_us/max", "ratio"},
        {"from the actual send p50 (us)", "/fixed_rate/from_send_us/p50", "ratio"},
        {"from the actual send p99 (us)", "/fixed_rate/from_send_us/p99", "ratio"},
        {"sender late by p50 (us)", "/fixed_rate/send_lag_us/p50"},
        {"sender late by p99 (us)", "/fixed_rate/send_lag_us/p99"},
        {"errors", "/fixed_rate/errors"},
        {"other processes' CPU (% of machine)", "/fixed_rate/other_processes_cpu_percent"},
    };

    private static void row(PrintWriter w, ObjectNode out, String label, String path, boolean ratio) {
        JsonNode m = out.has("muster") ? out.get("muster").at(path) : null;
        JsonNode g = out.has("grpc") ? out.get("grpc").at(path) : null;
        String r = ratio && g.asDouble() != 0 ? String.format("%.2f", m.asDouble() / g.asDouble()) : "";
        w.printf("%-38s %12s %12s %12s%n", label, m == null ? "" : m.asText(), g == null ? "" : g.asText(), r);
    }

    // ------------------------------------------------------------------ the systems

    /** Two Muster nodes on loopback; the server node registers "echo", the client node calls it by name. */
    private static final class MusterEcho implements Echo {
        final Cluster server;
        final Cluster client;
        final CallOptions options = CallOptions.timeout(CALL_TIMEOUT);

        MusterEcho() throws InterruptedException {
            server = node("server", List.of());
            Cluster c = null;
            try {
                c = node("client", List.of(server.address()));
                server.services().register("echo", (request, ctx) -> Reply.of(request.payload()));
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (!(server.awaitMembers(2, Duration.ofSeconds(1)) && c.awaitMembers(2, Duration.ofSeconds(1))
                        && !c.services().resolve("echo").isEmpty())) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the client node did not see the echo service within 20 s");
                    }
                    Thread.sleep(10);
                }
            } catch (RuntimeException | InterruptedException e) {
                server.close();
                if (c != null) {
                    c.close();
                }
                throw e;
            }
            client = c;
        }

        private static Cluster node(String name, List<dev.muster.Address> seeds) {
            return Cluster.start(ClusterConfig.builder().clusterName("bench-rpc").nodeName(name).bindHost("127.0.0.1")
                    .port(0).httpPort(-1).seeds(seeds).joinTimeout(Duration.ofSeconds(10)).build());
        }

        @Override
        public void call(byte[] payload, Done done) {
            client.services().call("echo", Request.of(payload), options)
                    .whenComplete((r, e) -> done.ended(e == null && r.payload().length == payload.length));
        }

        @Override
        public void close() {
            client.close();
            server.close();
        }
    }

    /** gRPC-java's unary echo over grpc-netty-shaded, plaintext on 127.0.0.1. */
    private static final class Grpc implements Echo {

        static final io.grpc.MethodDescriptor.Marshaller<byte[]> BYTES = new io.grpc.MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
                return new BytesStream(value);
            }

            @Override
            public byte[] parse(InputStream in) {
                try {
                    if (!(in instanceof io.grpc.KnownLength)) {
                        return in.readAllBytes();
                    }
                    // gRPC's own streams know their length: one array of the right size, no 16 KB
                    // read buffer per message
                    byte[] b = new byte[in.available()];
                    if (in.readNBytes(b, 0, b.length) != b.length) {
                        throw new IOException("a message ended early");
                    }
                    return b;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        static final io.grpc.MethodDescriptor<byte[], byte[]> ECHO = io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(io.grpc.MethodDescriptor.generateFullMethodName("muster.bench.Echo", "Echo"))
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

        final io.grpc.Server server;
        final io.grpc.ManagedChannel channel;
        /** The server's and the client's own event loop when matched; null for gRPC's defaults. */
        final EventLoopGroup serverLoop;
        final EventLoopGroup clientLoop;

        Grpc(boolean matched) throws IOException {
            io.grpc.ServerServiceDefinition echo = io.grpc.ServerServiceDefinition.builder("muster.bench.Echo")
                    .addMethod(ECHO, io.grpc.stub.ServerCalls.asyncUnaryCall((request, reply) -> {
                        reply.onNext(request);
                        reply.onCompleted();
                    })).build();
            var sb = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(echo);
            if (matched) {
                serverLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("grpc-server-loop", true),
                        NioIoHandler.newFactory());
                clientLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("grpc-client-loop", true),
                        NioIoHandler.newFactory());
                sb.bossEventLoopGroup(serverLoop).workerEventLoopGroup(serverLoop)
                        .channelType(NioServerSocketChannel.class).directExecutor();
            } else {
                serverLoop = null;
                clientLoop = null;
            }
            try {
                server = sb.build().start();
            } catch (IOException | RuntimeException e) {
                if (matched) {
                    clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                    serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                }
                throw e;
            }
            var cb = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext();
            if (matched) {
                cb.eventLoopGroup(clientLoop).channelType(NioSocketChannel.class).directExecutor();
            }
            channel = cb.build();
        }

        @Override
        public void call(byte[] payload, Done done) {
            io.grpc.ClientCall<byte[], byte[]> call = channel.newCall(ECHO,
                    io.grpc.CallOptions.DEFAULT.withDeadlineAfter(CALL_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS));
            io.grpc.stub.ClientCalls.asyncUnaryCall(call, payload, new io.grpc.stub.StreamObserver<>() {
                boolean echoed;

                @Override
                public void onNext(byte[] value) {
                    echoed = value.length == payload.length;
                }

                @Override
                public void onError(Throwable t) {
                    done.ended(false);
                }

                @Override
                public void onCompleted() {
                    done.ended(echoed);
                }
            });
        }

        @Override
        public void close() {
            channel.shutdownNow();
            server.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (serverLoop != null) {
                clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
                serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }

        /** A payload as gRPC streams it best: its length known, drained into the frame in one write. */
        private static final class BytesStream extends ByteArrayInputStream implements io.grpc.KnownLength, io.grpc.Drainable {
            BytesStream(byte[] bytes) {
                super(bytes);
            }

            @Override
            public int drainTo(OutputStream target) throws IOException {
                int n = count - pos;
                target.write(buf, pos, n);
                pos = count;
                return n;
            }
        }
    }
}
