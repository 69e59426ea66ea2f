package dev.muster.benchmarks;

import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.Member;
import dev.muster.services.CallOptions;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Echo calls between two Muster nodes in this JVM on loopback (real sockets, the shared event
 * loops): one call at a time, by service name and to a given member, and {@value #BATCH} calls
 * in flight at once. {@code muster bench rpc} measures the same calls against gRPC-java; this is
 * the quick loop for changes to {@code dev.muster.rpc}:
 *
 * <pre>
 * java -jar muster-benchmarks/target/benchmarks.jar RpcBenchmark -f 1 -wi 2 -i 3 -r 2s              # calls/s
 * java -jar muster-benchmarks/target/benchmarks.jar RpcBenchmark -f 1 -wi 2 -i 3 -r 2s -bm avgt -tu us  # us per call
 * </pre>
 *
 * Figures are per call; in the batch benchmark the whole batch's time divided by {@value #BATCH}.
 * {@code FramesBenchmark} (package {@code dev.muster.rpc}) measures the frame codec alone.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class RpcBenchmark {

    /** Calls in flight in the batch benchmarks, as {@code bench rpc --callers} by default. */
    static final int BATCH = 64;

    @Param({"32"})
    int payloadBytes;

    private Cluster server;
    private Cluster client;
    private Member serverMember;
    private Request request;
    private final CallOptions options = CallOptions.timeout(Duration.ofSeconds(5));

    @Setup(Level.Trial)
    public void startNodes() throws InterruptedException {
        server = node("server", List.of());
        client = node("client", List.of(server.address()));
        server.services().register("echo", (r, ctx) -> Reply.of(r.payload()));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!client.awaitMembers(2, Duration.ofSeconds(1)) || client.services().resolve("echo").isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the client node did not see the echo service within 20 s");
            }
            Thread.sleep(10);
        }
        serverMember = server.localMember();
        request = Request.of(new byte[payloadBytes]);
    }

    private static Cluster node(String name, List<dev.muster.Address> seeds) {
        return Cluster.start(ClusterConfig.builder().clusterName("rpc-benchmark").nodeName(name).bindHost("127.0.0.1")
                .port(0).httpPort(-1).seeds(seeds).joinTimeout(Duration.ofSeconds(10)).build());
    }

    @TearDown(Level.Trial)
    public void closeNodes() {
        client.close();
        server.close();
    }

    /** One call by service name (resolve, pick, call), waited for. */
    @Benchmark
    public Reply echo() {
        return client.services().call("echo", request, options).join();
    }

    /** One call to a given member: no resolve or pick. */
    @Benchmark
    public Reply echoToMember() {
        return client.services().call(serverMember, "echo", request, options).join();
    }

    /** {@value #BATCH} calls by name sent at once, then waited for: pipelined throughput. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object echoBatch() {
        CompletableFuture<?>[] calls = new CompletableFuture<?>[BATCH];
        for (int i = 0; i < BATCH; i++) {
            calls[i] = client.services().call("echo", request, options);
        }
        return CompletableFuture.allOf(calls).join();
    }
}
