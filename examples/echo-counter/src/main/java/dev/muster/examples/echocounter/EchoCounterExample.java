package dev.muster.examples.echocounter;

import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.Subscription;
import dev.muster.services.BroadcastResult;
import dev.muster.services.CallOptions;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import dev.muster.services.ServiceEvent;
import dev.muster.services.ServiceInstance;
import dev.muster.services.Services;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A tour of services and remote calls on a 3-node cluster in this JVM, on loopback ports picked
 * by the OS: echo registered on every node, a counter on node-2; every node resolves both; each
 * node calls echo three times (round-robin answers from each instance in turn); all nodes add to
 * the one counter at once and the total is read back; a broadcast reaches every echo; a watch on
 * node-1 sees node-3's echo go when node-3 unregisters it. Then every node leaves.
 *
 * <p>Run it with {@code bin/muster example echo-counter}, or {@link #main} from an IDE. It uses
 * the public API only: {@code dev.muster} and {@code dev.muster.services}.
 */
public final class EchoCounterExample {

    /** Nodes of the tour. */
    public static final int NODES = 3;
    /** Adds to the counter from each node: the total is {@code NODES * ADDS_PER_NODE}. */
    public static final int ADDS_PER_NODE = 10;
    /** How long the tour waits for gossip to spread a change before it gives up. */
    static final Duration SPREAD_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    private EchoCounterExample() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /**
     * Runs the tour, printing its transcript to {@code out}.
     *
     * @return the counter's total, {@code NODES * ADDS_PER_NODE}
     * @throws IllegalStateException when a step does not happen in time
     */
    public static long run(PrintStream out) throws Exception {
        List<Cluster> nodes = new ArrayList<>();
        try {
            for (int i = 1; i <= NODES; i++) {
                nodes.add(Cluster.start(ClusterConfig.builder().clusterName("echo-counter").nodeName("node-" + i)
                        .bindHost("127.0.0.1").port(0).httpPort(-1)
                        .seeds(nodes.isEmpty() ? List.of() : List.of(nodes.get(0).address())).build()));
            }
            for (Cluster c : nodes) {
                if (!c.awaitMembers(NODES, SPREAD_TIMEOUT)) {
                    throw new IllegalStateException(name(c) + " did not see " + NODES + " members within " + SPREAD_TIMEOUT);
                }
            }
            out.println("started " + NODES + " nodes: " + String.join(", ", nodes.stream()
                    .map(c -> name(c) + " at " + c.address()).toList()));
            return tour(nodes, out);
        } finally {
            for (int i = nodes.size() - 1; i >= 0; i--) {
                nodes.get(i).leave(Duration.ofSeconds(2)); // and closes
            }
            out.println("every node left; done");
        }
    }

    private static long tour(List<Cluster> nodes, PrintStream out) throws Exception {
        Cluster counterNode = nodes.get(1);
        CounterService counter = new CounterService();
        for (Cluster c : nodes) {
            c.services().register("echo", new EchoService(c));
        }
        counterNode.services().register("counter", CounterService.Op.class, counter.typed(), Map.of());
        out.println("registered echo on every node, counter on " + name(counterNode));
        for (Cluster c : nodes) {
            await(() -> c.services().resolve("echo").size() == NODES && c.services().resolve("counter").size() == 1,
                    name(c) + " resolves " + NODES + " echo instances and 1 counter");
        }
        out.println("every node resolves echo on " + nodesOf(nodes.get(0).services().resolve("echo"))
                + " and counter on " + nodesOf(nodes.get(0).services().resolve("counter")));

        for (Cluster c : nodes) {
            List<String> servedBy = new ArrayList<>();
            for (int k = 1; k <= NODES; k++) {
                Reply r = c.services().call("echo", Request.of(bytes("hello " + k + " from " + name(c))),
                        CallOptions.timeout(CALL_TIMEOUT)).get();
                servedBy.add(r.headers().get(EchoService.NODE_HEADER) + " (\"" + text(r.payload()) + "\")");
            }
            out.println(name(c) + " calls echo " + NODES + " times, round-robin: " + String.join(", ", servedBy));
        }

        List<CompletableFuture<CounterService.Value>> adds = new ArrayList<>();
        for (Cluster c : nodes) {
            for (int k = 0; k < ADDS_PER_NODE; k++) {
                adds.add(c.services().call("counter", CounterService.Op.add(1), CounterService.Value.class,
                        CallOptions.timeout(CALL_TIMEOUT)));
            }
        }
        CompletableFuture.allOf(adds.toArray(CompletableFuture[]::new)).get();
        long total = nodes.get(2).services().callBlocking("counter", CounterService.Op.get(), CounterService.Value.class,
                CallOptions.timeout(CALL_TIMEOUT)).value();
        out.println("every node adds 1 to the counter " + ADDS_PER_NODE + " times, all at once: counter total "
                + total + " on " + name(counterNode));

        BroadcastResult b = nodes.get(2).services().broadcast("echo", Request.of(bytes("ping")), CALL_TIMEOUT).get();
        out.println(name(nodes.get(2)) + " broadcasts ping to echo: " + b.replies().size() + " replies (from "
                + String.join(", ", new TreeSet<>(b.replies().keySet())) + "), " + b.failures().size() + " failures");

        watchAnUnregister(nodes.get(0), nodes.get(2), out);
        return total;
    }

    /** {@code watcher} watches echo; {@code leaver} unregisters its instance; the watch says so. */
    private static void watchAnUnregister(Cluster watcher, Cluster leaver, PrintStream out) throws Exception {
        BlockingQueue<ServiceEvent> events = new LinkedBlockingQueue<>();
        Services services = watcher.services();
        try (Subscription watch = services.watch("echo", events::add)) {
            List<String> first = new ArrayList<>();
            for (int k = 0; k < NODES; k++) {
                first.add(describe(next(events)));
            }
            out.println(name(watcher) + " watches echo: " + String.join(", ", first));
            leaver.services().unregister("echo");
            out.println(name(leaver) + " unregisters echo; " + name(watcher) + "'s watch: " + describe(next(events)));
            out.println(name(watcher) + " now resolves echo on " + nodesOf(services.resolve("echo")));
        }
    }

    private static ServiceEvent next(BlockingQueue<ServiceEvent> events) throws InterruptedException {
        ServiceEvent e = events.poll(SPREAD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (e == null) {
            throw new IllegalStateException("no watch event within " + SPREAD_TIMEOUT);
        }
        return e;
    }

    private static String describe(ServiceEvent e) {
        return e.kind() + " " + e.instance().node();
    }

    /** Polls {@code condition} until it holds, for {@link #SPREAD_TIMEOUT} at most. */
    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + SPREAD_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("not within " + SPREAD_TIMEOUT + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    private static String nodesOf(List<ServiceInstance> instances) {
        return String.join(", ", instances.stream().map(ServiceInstance::node).toList());
    }

    private static String name(Cluster c) {
        return c.localMember().name();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
