package dev.muster.benchmarks;

import dev.muster.Address;
import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.Metadata;
import dev.muster.balance.Balancer;
import dev.muster.balance.BalancingStrategy;
import dev.muster.balance.LoadTable;
import dev.muster.balance.NodeLoad;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One placement decision: {@link Balancer#select} over a table of N alive nodes, a third of them
 * offering the wanted service, one in ten draining, a few full. Run with {@code -prof gc} to see
 * that a selection allocates nothing:
 *
 * <pre>java -jar muster-benchmarks/target/benchmarks.jar Balancer -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class BalancerBenchmark {

    @Param({"10", "100", "1000"})
    int nodes;

    @Param({"ROUND_ROBIN", "LEAST_LOADED", "LEAST_AGENTS", "RANDOM", "WEIGHTED"})
    BalancingStrategy strategy;

    private LoadTable table;
    private Balancer balancer;
    private long mask;
    private SplittableRandom random;

    @Setup
    public void setUp() {
        SplittableRandom r = new SplittableRandom(7);
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            int max = 8 + r.nextInt(24);
            NodeLoad load = new NodeLoad(r.nextDouble(), r.nextDouble(), r.nextDouble(), r.nextDouble() * 2,
                    i % 17 == 0 ? max : r.nextInt(max), max, i % 3 == 0 ? Set.of("web", "db") : Set.of("db"));
            members.add(new Member("node-" + i, new Address("10.0.0." + (i % 250), 7946), 1, MemberState.ALIVE,
                    load.mergeInto(Metadata.EMPTY)));
        }
        table = LoadTable.of(members, name -> !name.endsWith("0"));
        balancer = Balancer.of(strategy);
        mask = table.serviceMask("web");
        random = new SplittableRandom(11);
    }

    @Benchmark
    public int select() {
        return balancer.select(table, mask, random);
    }
}
