package dev.muster.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.RpcConfig;
import dev.muster.balance.BalancingStrategy;
import dev.muster.services.BroadcastResult;
import dev.muster.services.CallOptions;
import dev.muster.services.Health;
import dev.muster.services.Registration;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import dev.muster.services.RpcException;
import dev.muster.services.ServiceEvent;
import dev.muster.services.Services;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Services and calls across real nodes on loopback sockets in this JVM. */
class ServicesTest {

    private final List<Cluster> started = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    private Cluster start(String name, List<Address> seeds, RpcConfig rpc, boolean faults) {
        Cluster c = Cluster.start(ClusterConfig.builder().clusterName("services-test").nodeName(name)
                .bindHost("127.0.0.1").port(0).httpPort(-1).seeds(seeds).joinTimeout(Duration.ofSeconds(10))
                .faultInjection(faults).rpc(rpc).build());
        started.add(c);
        return c;
    }

    private List<Cluster> cluster(int n, RpcConfig rpc) throws InterruptedException {
        return cluster(n, rpc, false);
    }

    private List<Cluster> cluster(int n, RpcConfig rpc, boolean faults) throws InterruptedException {
        Cluster first = start("node-1", List.of(), rpc, faults);
        for (int i = 2; i <= n; i++) {
            start("node-" + i, List.of(first.address()), rpc, faults);
        }
        for (Cluster c : started) {
            assertThat(c.awaitMembers(n, Duration.ofSeconds(20))).isTrue();
        }
        return List.copyOf(started);
    }

    @AfterEach
    void closeAll() {
        release.countDown();
        started.forEach(Cluster::close);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void awaitInstances(List<Cluster> nodes, String service, int n) {
        for (Cluster c : nodes) {
            Awaitility.await().atMost(Duration.ofSeconds(15))
                    .until(() -> c.services().resolve(service).size() == n);
        }
    }

    private static RpcException failure(CompletableFuture<?> f, Duration within) throws Exception {
        try {
            f.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(RpcException.class);
            return (RpcException) e.getCause();
        }
        throw new AssertionError("the call succeeded");
    }

    private static ServiceRuntime runtime(Cluster c) {
        return (ServiceRuntime) c.services();
    }

    private void blockUntilReleased() throws InterruptedException {
        release.await(60, TimeUnit.SECONDS);
    }

    record Add(String counter, int by) {}

    record Total(String counter, long total) {}

    @Test
    void aServiceOnOneNodeIsCalledFromTheOthersWithBytesAndWithObjects() throws Exception {
        List<Cluster> nodes = cluster(3, RpcConfig.DEFAULTS);
        nodes.get(0).services().register("echo", (request, ctx) -> Reply.of(bytes(text(request.payload())
                + " from " + ctx.caller() + " " + request.headers().get("lang"))));
        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        nodes.get(0).services().register("counter", Add.class, (Add add, dev.muster.services.CallContext ctx) ->
                new Total(add.counter(), counts.computeIfAbsent(add.counter(), k -> new AtomicInteger())
                        .addAndGet(add.by())), Map.of("version", "1.0"));
        awaitInstances(nodes, "echo", 1);
        awaitInstances(nodes, "counter", 1);

        Reply reply = nodes.get(2).services().call("echo", new Request(bytes("hi"), Map.of("lang", "en")),
                CallOptions.timeout(Duration.ofSeconds(5))).get(10, TimeUnit.SECONDS);
        assertThat(text(reply.payload())).isEqualTo("hi from node-3 en");
        for (Cluster c : nodes) {
            c.services().callBlocking("counter", new Add("hits", 2), Total.class, CallOptions.DEFAULT);
        }
        Total total = nodes.get(1).services().callBlocking("counter", new Add("hits", 0), Total.class, CallOptions.DEFAULT);
        assertThat(total).isEqualTo(new Total("hits", 6));
        assertThat(nodes.get(1).services().resolve("counter").get(0).metadata()).containsEntry("version", "1.0");
        assertThat(nodes.get(2).services().stats().get("echo").calls()).isEqualTo(1);
        assertThat(nodes.get(0).services().stats().get("counter").served()).isEqualTo(4);
        assertThat(nodes.get(2).services().stats().get("echo").latency().count()).isEqualTo(1);
    }

    @Test
    void watchersSeeInstancesComeGoFailAndDieWithTheirNode() throws Exception {
        List<Cluster> nodes = cluster(3, RpcConfig.DEFAULTS);
        List<ServiceEvent> events = new CopyOnWriteArrayList<>();
        nodes.get(2).services().watch("echo", events::add);
        Registration one = nodes.get(0).services().register("echo", (r, c) -> Reply.of(r.payload()));
        nodes.get(1).services().register("echo", (r, c) -> Reply.of(r.payload()), Map.of("zone", "b"));
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> events.size() == 2);
        assertThat(events).extracting(ServiceEvent::kind).containsOnly(ServiceEvent.Kind.ADDED);
        assertThat(nodes.get(2).services().resolve("echo", Map.of("zone", "b")))
                .extracting(i -> i.node()).containsExactly("node-2");

        one.health(Health.FAILING);
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> events.size() == 3);
        assertThat(events.get(2)).isEqualTo(new ServiceEvent(ServiceEvent.Kind.REMOVED, events.get(2).instance()));
        assertThat(events.get(2).instance().node()).isEqualTo("node-1");
        assertThat(nodes.get(2).services().resolve("echo")).extracting(i -> i.node()).containsExactly("node-2");

        one.health(Health.PASSING);
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> events.size() == 4);
        one.close();
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> events.size() == 5);
        assertThat(events.get(3).kind()).isEqualTo(ServiceEvent.Kind.ADDED);
        assertThat(events.get(4).kind()).isEqualTo(ServiceEvent.Kind.REMOVED);
        assertThat(nodes.get(0).services().registered()).isEmpty();

        nodes.get(1).close(); // a crash: the instance goes once node-2 is declared dead
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> events.size() == 6);
        assertThat(events.get(5).kind()).isEqualTo(ServiceEvent.Kind.REMOVED);
        assertThat(events.get(5).instance().node()).isEqualTo("node-2");
        assertThat(nodes.get(2).services().resolve("echo")).isEmpty();
        RpcException none = failure(nodes.get(2).services().call("echo", bytes("x"), Duration.ofSeconds(1)),
                Duration.ofSeconds(5));
        assertThat(none.kind()).isEqualTo(RpcException.Kind.UNAVAILABLE);
        assertThat(none).hasMessageContaining("no instance of service echo");
    }

    @Test
    void aCallPastItsDeadlineFailsWithTimeoutAndLeavesNothingPending() throws Exception {
        List<Cluster> nodes = cluster(2, RpcConfig.DEFAULTS);
        nodes.get(0).services().register("slow", (r, c) -> {
            blockUntilReleased();
            return Reply.EMPTY;
        });
        awaitInstances(nodes, "slow", 1);
        RpcException e = failure(nodes.get(1).services().call("slow", bytes("x"), Duration.ofMillis(200)),
                Duration.ofSeconds(10));
        assertThat(e.kind()).isEqualTo(RpcException.Kind.TIMEOUT);
        // the message gives what was left of the deadline when the call went out: 200ms, or a little less
        // when the machine is slow between taking the deadline and sending
        assertThat(e).hasMessageContaining("slow").hasMessageContaining("node-1").hasMessageMatching(".*after (1\\d\\d|200)ms.*");
        assertThat(runtime(nodes.get(1)).pendingCalls()).isZero();
        assertThat(nodes.get(1).services().stats().get("slow").timeouts()).isEqualTo(1);
        assertThat(nodes.get(1).services().stats().get("slow").inFlight()).isZero();
    }

    @Test
    void aCallToANodeThatCrashesFailsAtOnceNotAtItsDeadline() throws Exception {
        List<Cluster> nodes = cluster(3, RpcConfig.DEFAULTS);
        CountDownLatch running = new CountDownLatch(1);
        nodes.get(1).services().register("slow", (r, c) -> {
            running.countDown();
            blockUntilReleased();
            return Reply.EMPTY;
        });
        awaitInstances(nodes, "slow", 1);
        CompletableFuture<byte[]> pending = nodes.get(2).services().call("slow", bytes("x"), Duration.ofSeconds(60));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        nodes.get(1).close();
        RpcException e = failure(pending, Duration.ofSeconds(10));
        assertThat(e.kind()).isEqualTo(RpcException.Kind.UNAVAILABLE);
        assertThat(e).hasMessageContaining("node-2");
        assertThat(runtime(nodes.get(2)).pendingCalls()).isZero();
    }

    @Test
    void aCallToANodeCutOffByAPartitionFailsWhenTheNodeIsDeclaredDead() throws Exception {
        List<Cluster> nodes = cluster(3, RpcConfig.DEFAULTS, true);
        CountDownLatch running = new CountDownLatch(1);
        nodes.get(1).services().register("slow", (r, c) -> {
            running.countDown();
            blockUntilReleased();
            return Reply.EMPTY;
        });
        awaitInstances(nodes, "slow", 1);
        CompletableFuture<byte[]> pending = nodes.get(2).services().call("slow", bytes("x"), Duration.ofSeconds(120));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        // the connection stays open, but nothing passes between node-2 and the others any more
        for (Cluster c : List.of(nodes.get(0), nodes.get(2))) {
            c.faults().blackhole(nodes.get(1).address());
            nodes.get(1).faults().blackhole(c.address());
        }
        RpcException e = failure(pending, Duration.ofSeconds(60));
        assertThat(e.kind()).isEqualTo(RpcException.Kind.UNAVAILABLE);
        assertThat(e).hasMessageContaining("node-2 was declared dead");
        assertThat(runtime(nodes.get(2)).pendingCalls()).isZero();
    }

    @Test
    void aHandlerThatThrowsGivesTheCallerARemoteErrorWithItsMessage() throws Exception {
        List<Cluster> nodes = cluster(2, RpcConfig.DEFAULTS);
        nodes.get(0).services().register("broken", (r, c) -> {
            throw new IllegalStateException("the disk is full");
        });
        awaitInstances(nodes, "broken", 1);
        RpcException e = failure(nodes.get(1).services().call("broken", bytes("x"), Duration.ofSeconds(5)),
                Duration.ofSeconds(10));
        assertThat(e.kind()).isEqualTo(RpcException.Kind.REMOTE);
        assertThat(e).hasMessageContaining("IllegalStateException: the disk is full").hasMessageContaining("node-1");
        assertThat(nodes.get(0).services().stats().get("broken").serveErrors()).isEqualTo(1);
        // a call to a service the node does not have says so
        RpcException missing = failure(nodes.get(1).services().call(nodes.get(0).localMember(), "nothing",
                Request.of(bytes("x")), CallOptions.DEFAULT), Duration.ofSeconds(10));
        assertThat(missing.kind()).isEqualTo(RpcException.Kind.UNAVAILABLE);
        assertThat(missing).hasMessageContaining("node-1 has no service 'nothing'");
    }

    @Test
    void anOversizedRequestOrReplyIsRefusedWithAClearErrorAndABadFrameClosesOnlyItsConnection() throws Exception {
        RpcConfig small = RpcConfig.DEFAULTS.withMaxMessageBytes(4096);
        List<Cluster> nodes = cluster(2, small);
        nodes.get(0).services().register("echo", (r, c) -> Reply.of(r.payload()));
        nodes.get(0).services().register("big", (r, c) -> Reply.of(new byte[5000]));
        awaitInstances(nodes, "echo", 1);
        awaitInstances(nodes, "big", 1);
        RpcException tooBig = failure(nodes.get(1).services().call("echo", new byte[5000], Duration.ofSeconds(5)),
                Duration.ofSeconds(5));
        assertThat(tooBig.kind()).isEqualTo(RpcException.Kind.TOO_LARGE);
        assertThat(tooBig).hasMessageContaining("5000 bytes").hasMessageContaining("rpc.max-message-bytes (4096");
        assertThat(nodes.get(0).services().stats().getOrDefault("echo", null)).isNull(); // nothing reached it
        RpcException bigReply = failure(nodes.get(1).services().call("big", new byte[1], Duration.ofSeconds(5)),
                Duration.ofSeconds(5));
        assertThat(bigReply.kind()).isEqualTo(RpcException.Kind.TOO_LARGE);
        assertThat(bigReply).hasMessageContaining("answered 5000 bytes");

        // a raw connection that claims a frame far over the limit, and one with garbage in a frame
        for (byte[] junk : List.of(new byte[] {0x7f, 0, 0, 0}, new byte[] {0, 0, 0, 3, 1, 2, 3})) {
            try (Socket s = new Socket("127.0.0.1", nodes.get(0).address().port())) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeInt(dev.muster.transport.Transport.RPC_PREAMBLE);
                out.write(junk);
                out.flush();
                s.setSoTimeout(5000);
                assertThat(s.getInputStream().read()).as("the node closes the connection").isEqualTo(-1);
            }
        }
        assertThat(text(nodes.get(1).services().callBlocking("echo", bytes("still here"), Duration.ofSeconds(5))))
                .isEqualTo("still here");
    }

    @Test
    void callsFollowTheStrategyAcrossInstances() throws Exception {
        List<Cluster> nodes = cluster(4, RpcConfig.DEFAULTS);
        for (int i = 0; i < 3; i++) {
            String name = "node-" + (i + 1);
            nodes.get(i).services().register("who", (r, c) -> Reply.of(bytes(name)),
                    Map.of("weight", i == 2 ? "8" : "1"));
        }
        awaitInstances(nodes, "who", 3);
        Services caller = nodes.get(3).services();
        Map<String, Integer> rr = tally(caller, 300);
        assertThat(rr).containsEntry("node-1", 100).containsEntry("node-2", 100).containsEntry("node-3", 100);

        runtime(nodes.get(3)).strategy(BalancingStrategy.WEIGHTED);
        Map<String, Integer> weighted = tally(caller, 1000);
        assertThat(weighted.get("node-3")).as("weight 8 of 10: %s", weighted).isBetween(700, 900);

        runtime(nodes.get(3)).strategy(BalancingStrategy.RANDOM);
        Map<String, Integer> random = tally(caller, 600);
        assertThat(random.values()).as("%s", random).allSatisfy(n -> assertThat(n).isBetween(120, 280));
    }

    @Test
    void leastAgentsSteersCallsAwayFromASlowInstance() throws Exception {
        List<Cluster> nodes = cluster(3, RpcConfig.DEFAULTS);
        nodes.get(0).services().register("work", (r, c) -> {
            blockUntilReleased();
            return Reply.of(bytes("node-1"));
        });
        nodes.get(1).services().register("work", (r, c) -> Reply.of(bytes("node-2")));
        awaitInstances(nodes, "work", 2);
        runtime(nodes.get(2)).strategy(BalancingStrategy.LEAST_AGENTS);
        List<CompletableFuture<byte[]>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            calls.add(nodes.get(2).services().call("work", bytes("x"), Duration.ofSeconds(30)));
            Thread.sleep(2);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                calls.stream().filter(CompletableFuture::isDone).count() >= 40);
        long done = calls.stream().filter(CompletableFuture::isDone).count();
        assertThat(done).as("node-1 hangs, so it should hold only a few calls").isGreaterThanOrEqualTo(40);
        release.countDown();
        for (CompletableFuture<byte[]> c : calls) {
            c.get(10, TimeUnit.SECONDS);
        }
    }

    private static Map<String, Integer> tally(Services caller, int calls) {
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        for (int i = 0; i < calls; i++) {
            counts.merge(text(caller.callBlocking("who", new byte[0], Duration.ofSeconds(5))), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void pastTheInFlightLimitACallFailsFastAndTheOthersStillComplete() throws Exception {
        List<Cluster> nodes = cluster(2, RpcConfig.DEFAULTS.withMaxInFlight(4));
        AtomicInteger running = new AtomicInteger();
        nodes.get(0).services().register("slow", (r, c) -> {
            running.incrementAndGet();
            blockUntilReleased();
            return Reply.of(r.payload());
        });
        awaitInstances(nodes, "slow", 1);
        List<CompletableFuture<byte[]>> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            held.add(nodes.get(1).services().call("slow", bytes("" + i), Duration.ofSeconds(30)));
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> running.get() == 4);
        RpcException e = failure(nodes.get(1).services().call("slow", bytes("5"), Duration.ofSeconds(30)),
                Duration.ofSeconds(1));
        assertThat(e.kind()).isEqualTo(RpcException.Kind.OVERLOADED);
        assertThat(e).hasMessageContaining("4 calls in flight").hasMessageContaining("rpc.max-in-flight");
        release.countDown();
        for (int i = 0; i < 4; i++) {
            assertThat(text(held.get(i).get(10, TimeUnit.SECONDS))).isEqualTo("" + i);
        }
    }

    @Test
    void noPendingCallLeaksAfter100kCallsWithRandomTimeouts() throws Exception {
        List<Cluster> nodes = cluster(2, RpcConfig.DEFAULTS);
        nodes.get(0).services().register("jitter", (r, c) -> {
            int sleep = r.payload()[0];
            if (sleep > 0) {
                Thread.sleep(sleep);
            }
            return Reply.of(r.payload());
        });
        awaitInstances(nodes, "jitter", 1);
        Services caller = nodes.get(1).services();
        java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(256);
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger timedOut = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        int total = 100_000;
        for (int i = 0; i < total; i++) {
            window.acquire();
            // mostly instant calls; one in 20 sleeps up to 12 ms against a deadline of 1 to 10 ms
            byte sleep = (byte) (random.nextInt(20) == 0 ? random.nextInt(13) : 0);
            Duration timeout = Duration.ofMillis(1 + random.nextInt(10));
            caller.call("jitter", new byte[] {sleep}, timeout).whenComplete((r, thrown) -> {
                Throwable e = thrown instanceof java.util.concurrent.CompletionException ce ? ce.getCause() : thrown;
                if (e == null) {
                    ok.incrementAndGet();
                } else if (e instanceof RpcException x && x.kind() == RpcException.Kind.TIMEOUT) {
                    timedOut.incrementAndGet();
                } else {
                    other.incrementAndGet();
                }
                window.release();
            });
        }
        assertThat(window.tryAcquire(256, 60, TimeUnit.SECONDS)).as("every call ended").isTrue();
        assertThat(ok.get() + timedOut.get() + other.get()).isEqualTo(total);
        assertThat(other.get()).isZero();
        assertThat(ok.get()).isPositive();
        assertThat(timedOut.get()).isPositive();
        assertThat(runtime(nodes.get(1)).pendingCalls()).isZero();
        var stats = caller.stats().get("jitter");
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.calls()).isEqualTo(total);
        assertThat(stats.timeouts()).isEqualTo(timedOut.get());
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> runtime(nodes.get(0)).runningHandlers() == 0);
    }

    @Test
    void sendIsFireAndForgetAndBroadcastGathersWhatCameBackByTheDeadline() throws Exception {
        List<Cluster> nodes = cluster(3, RpcConfig.DEFAULTS);
        AtomicInteger received = new AtomicInteger();
        nodes.get(0).services().register("inbox", (r, c) -> {
            assertThat(c.oneWay()).isTrue();
            received.incrementAndGet();
            return Reply.EMPTY;
        });
        for (int i = 0; i < 3; i++) {
            String name = "node-" + (i + 1);
            boolean slow = i == 2;
            nodes.get(i).services().register("ping", (r, c) -> {
                if (slow) {
                    blockUntilReleased();
                }
                return Reply.of(bytes("pong " + name));
            });
        }
        awaitInstances(nodes, "inbox", 1);
        awaitInstances(nodes, "ping", 3);
        for (int i = 0; i < 100; i++) {
            nodes.get(1).services().send("inbox", Request.of(bytes("m" + i))).get(5, TimeUnit.SECONDS);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> received.get() == 100);

        BroadcastResult result = nodes.get(1).services().broadcast("ping", Request.of(new byte[0]),
                Duration.ofMillis(500)).get(10, TimeUnit.SECONDS);
        assertThat(result.replies().keySet()).containsExactlyInAnyOrder("node-1", "node-2");
        assertThat(text(result.replies().get("node-1").payload())).isEqualTo("pong node-1");
        assertThat(result.failures()).containsOnlyKeys("node-3");
        assertThat(result.failures().get("node-3").kind()).isEqualTo(RpcException.Kind.TIMEOUT);
    }

    @Test
    void anIdempotentCallTriesAnotherInstanceAndAPlainOneDoesNot() throws Exception {
        List<Cluster> nodes = cluster(3, RpcConfig.DEFAULTS);
        nodes.get(0).services().register("flaky", (r, c) -> {
            throw new RpcException(RpcException.Kind.OVERLOADED, "node-1 sheds load");
        });
        nodes.get(1).services().register("flaky", (r, c) -> Reply.of(bytes("node-2")));
        awaitInstances(nodes, "flaky", 2);
        Services caller = nodes.get(2).services();
        int plainFailures = 0;
        for (int i = 0; i < 10; i++) {
            Reply r = caller.call("flaky", Request.of(new byte[0]), CallOptions.timeout(Duration.ofSeconds(5))
                    .idempotent(3)).get(10, TimeUnit.SECONDS);
            assertThat(text(r.payload())).isEqualTo("node-2");
            try {
                caller.call("flaky", Request.of(new byte[0]), CallOptions.DEFAULT).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                assertThat(((RpcException) e.getCause()).kind()).isEqualTo(RpcException.Kind.OVERLOADED);
                plainFailures++;
            }
        }
        assertThat(plainFailures).as("round-robin sends some plain calls to node-1").isPositive();
        assertThat(caller.stats().get("flaky").retries()).as("idempotent calls that met node-1 first").isPositive();
    }

    @Test
    void compressedPayloadsRoundTrip() throws Exception {
        RpcConfig deflate = RpcConfig.DEFAULTS.withCompression(RpcConfig.Compression.DEFLATE).withCompressAboveBytes(100);
        List<Cluster> nodes = cluster(2, deflate);
        nodes.get(0).services().register("echo", (r, c) -> Reply.of(r.payload()));
        awaitInstances(nodes, "echo", 1);
        byte[] big = bytes("abcdefgh".repeat(100_000));
        assertThat(nodes.get(1).services().callBlocking("echo", big, Duration.ofSeconds(10))).isEqualTo(big);
        assertThat(nodes.get(1).transportStats()).isNotNull();
    }

    @Test
    void badNamesMetadataAndDuplicatesAreRefusedAndChangeNothing() throws Exception {
        List<Cluster> nodes = cluster(1, RpcConfig.DEFAULTS);
        Services s = nodes.get(0).services();
        var before = nodes.get(0).localMember().metadata();
        assertThatThrownBy(() -> s.register("no spaces", (r, c) -> Reply.EMPTY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'no spaces'");
        assertThatThrownBy(() -> s.register("ok", (r, c) -> Reply.EMPTY, Map.of("zone", "a,b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zone=a,b");
        assertThatThrownBy(() -> s.register("ok", (r, c) -> Reply.EMPTY, Map.of("weight", "0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight=0");
        assertThatThrownBy(() -> s.register("ok", (r, c) -> Reply.EMPTY, Map.of("tag", "x".repeat(60),
                "tag2", "y".repeat(60), "tag3", "z".repeat(60), "tag4", "w".repeat(60), "tag5", "v".repeat(60),
                "tag6", "u".repeat(60), "tag7", "t".repeat(60), "tag8", "s".repeat(60), "tag9", "r".repeat(60))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("membership.max-metadata-bytes");
        assertThat(nodes.get(0).localMember().metadata()).isEqualTo(before);
        assertThat(s.registered()).isEmpty();
        s.register("ok", (r, c) -> Reply.EMPTY);
        assertThatThrownBy(() -> s.register("ok", (r, c) -> Reply.EMPTY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registered on node node-1 already");
        assertThat(s.registered()).containsExactly("ok");
        assertThat(s.unregister("ok")).isTrue();
        assertThat(s.unregister("ok")).isFalse();
        assertThat(nodes.get(0).localMember().metadata()).isEqualTo(before);
    }
}
