package dev.muster.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.ClusterException;
import dev.muster.MemberEvent;
import dev.muster.MemberState;
import dev.muster.Metadata;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.awaitility.Awaitility;
import dev.muster.discovery.LoopbackMulticast;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Real nodes on loopback sockets in this JVM: the runtime, the transport and the codec together. */
class NodeTest {

    private final List<Cluster> started = new ArrayList<>();

    private static ClusterConfig.Builder config(String name, List<Address> seeds) {
        return ClusterConfig.builder().clusterName("node-test").nodeName(name).bindHost("127.0.0.1").port(0)
                .httpPort(-1).seeds(seeds).joinTimeout(Duration.ofSeconds(10));
    }

    private Cluster start(ClusterConfig.Builder b) {
        Cluster c = Cluster.start(b.build());
        started.add(c);
        return c;
    }

    @AfterEach
    void closeAll() {
        started.forEach(Cluster::close);
    }

    @Test
    void twoNodesJoinAndSeeEachOtherWithTheirMetadata() throws Exception {
        Cluster one = start(config("one", List.of()).metadata(Metadata.of(java.util.Map.of("zone", "a"))));
        Cluster two = start(config("two", List.of(one.address())));
        assertThat(two.awaitMembers(2, Duration.ofSeconds(10))).isTrue();
        assertThat(one.awaitMembers(2, Duration.ofSeconds(10))).isTrue();
        assertThat(two.member("one").orElseThrow().metadata().get("zone")).isEqualTo("a");
        assertThat(one.info().alive()).isEqualTo(2);
        assertThat(one.info().self().name()).isEqualTo("one");
        assertThat(one.transportStats().framesIn()).as("the join came over a stream").isPositive();
    }

    @Test
    void twentyNodesFormOneCluster() throws Exception {
        Cluster seed = start(config("node-1", List.of()));
        for (int i = 2; i <= 20; i++) {
            start(config("node-" + i, List.of(seed.address())).clusterSize(20));
        }
        for (Cluster c : started) {
            assertThat(c.awaitMembers(20, Duration.ofSeconds(20))).as("%s sees 20 alive", c.localMember().name()).isTrue();
        }
        assertThat(started.get(19).info().formed()).as("the expected size is reached").isTrue();
    }

    @Test
    void metadataUpdatesReachTheOthersAsAnUpdatedEvent() throws Exception {
        Cluster one = start(config("one", List.of()));
        Cluster two = start(config("two", List.of(one.address())));
        assertThat(one.awaitMembers(2, Duration.ofSeconds(10))).isTrue();
        List<MemberEvent> events = new CopyOnWriteArrayList<>();
        one.subscribe(events::add);
        two.updateMetadata(Metadata.of(java.util.Map.of("load", "7")));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e ->
                e.type() == MemberEvent.Type.UPDATED && "7".equals(e.member().metadata().get("load"))));
    }

    @Test
    void ipv6LoopbackWorksToo() throws Exception {
        Cluster one = start(config("one", List.of()).bindHost("::1"));
        Cluster two = start(config("two", List.of(one.address())).bindHost("::1"));
        assertThat(one.address().host()).isEqualTo("::1");
        assertThat(two.awaitMembers(2, Duration.ofSeconds(10))).isTrue();
        assertThat(one.awaitMembers(2, Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void aTakenPortIsAClearError() {
        Cluster one = start(config("one", List.of()));
        assertThatThrownBy(() -> start(config("two", List.of()).port(one.address().port())))
                .isInstanceOf(ClusterException.class)
                .hasMessageContaining("port 127.0.0.1:" + one.address().port() + " is in use");
    }

    @Test
    void noSeedAnsweringIsAClearErrorAfterTheJoinTimeout() throws Exception {
        int unused;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            unused = s.getLocalPort();
        }
        assertThatThrownBy(() -> start(config("lonely", List.of(new Address("127.0.0.1", unused)))
                .joinTimeout(Duration.ofSeconds(2))))
                .isInstanceOf(ClusterException.class)
                .hasMessageContaining("could not join within 2s: no seed answered");
    }

    @Test
    void aSecondLiveNodeWithTheSameNameIsRefused() throws Exception {
        Cluster one = start(config("one", List.of()));
        start(config("two", List.of(one.address())));
        assertThatThrownBy(() -> start(config("two", List.of(one.address())).joinTimeout(Duration.ofSeconds(3))))
                .isInstanceOf(ClusterException.class)
                .hasMessageContaining("node name 'two' is taken")
                .hasMessageContaining("names must be unique");
        assertThat(one.member("two").orElseThrow().state()).isEqualTo(MemberState.ALIVE);
    }

    @Test
    void faultsNeedTheSettingAndSayWhich() {
        Cluster one = start(config("one", List.of()));
        assertThatThrownBy(one::faults).isInstanceOf(IllegalStateException.class).hasMessageContaining("faults.enabled");
    }

    @Test
    void garbageDatagramsAndOversizedFramesAreCountedAndDroppedAndTheNodeGoesOn() throws Exception {
        Cluster one = start(config("one", List.of()));
        Cluster two = start(config("two", List.of(one.address())));
        assertThat(one.awaitMembers(2, Duration.ofSeconds(10))).isTrue();
        Address a = one.address();
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            byte[] junk = new byte[200];
            for (int i = 0; i < 100; i++) {
                ThreadLocalRandom.current().nextBytes(junk);
                s.send(new DatagramPacket(junk, junk.length, InetAddress.getByName(a.host()), a.port()));
            }
        }
        try (Socket tcp = new Socket(a.host(), a.port())) {
            OutputStream out = tcp.getOutputStream();
            new DataOutputStream(out).writeInt(512 << 20); // announces a 512 MiB frame
            out.write(new byte[1024]);
            out.flush();
            // the node closes the connection without reading (or allocating) the rest
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> tcp.getInputStream().read() == -1);
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> one.transportStats().decodeErrors() >= 101);
        Cluster three = start(config("three", List.of(one.address())));
        assertThat(three.awaitMembers(3, Duration.ofSeconds(10))).as("the node still works").isTrue();
        assertThat(two.awaitMembers(3, Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void aLeaveIsSeenAsLeftAndAnAbruptCloseAsDead() throws Exception {
        Cluster one = start(config("one", List.of()));
        Cluster two = start(config("two", List.of(one.address())));
        Cluster three = start(config("three", List.of(one.address())));
        assertThat(one.awaitMembers(3, Duration.ofSeconds(10))).isTrue();
        two.leave(Duration.ofSeconds(5));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> one.member("two").orElseThrow().state() == MemberState.LEFT);
        three.close();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> one.member("three").orElseThrow().state() == MemberState.DEAD);
    }

    @Test
    void dnsNamesAreSeeds() throws Exception {
        Cluster one = start(config("one", List.of()));
        // "localhost" answers 127.0.0.1 (and maybe ::1, where nothing listens on that port)
        Cluster two = start(config("two", List.of()).dnsName("localhost").dnsPort(one.address().port()));
        assertThat(two.awaitMembers(2, Duration.ofSeconds(10))).isTrue();
        assertThat(one.awaitMembers(2, Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void multicastFindsNodesWithoutSeeds() throws Exception {
        String problem = LoopbackMulticast.problem();
        Assumptions.assumeTrue(problem == null, () -> "skipped: " + problem);
        int group = 20_000 + ThreadLocalRandom.current().nextInt(20_000);
        Cluster one = start(config("one", List.of()).multicast(true).multicastPort(group));
        Cluster two = start(config("two", List.of()).multicast(true).multicastPort(group));
        assertThat(one.awaitMembers(2, Duration.ofSeconds(15)))
                .as("two nodes without seeds find each other by multicast on loopback").isTrue();
        assertThat(two.awaitMembers(2, Duration.ofSeconds(15))).isTrue();
    }

    @Test
    void listenersNeverRunOnTheEventLoopAndOneThatThrowsDoesNotStopTheOthers() throws Exception {
        Cluster one = Cluster.start(config("one", List.of()).build(), Runnable::run); // a same-thread executor
        started.add(one);
        List<String> threads = new CopyOnWriteArrayList<>();
        List<String> joined = new CopyOnWriteArrayList<>();
        one.subscribe(e -> {
            throw new AssertionError("a broken listener");
        });
        one.subscribe(e -> {
            threads.add(Thread.currentThread().getName());
            joined.add(e.member().name());
        });
        start(config("two", List.of(one.address())));
        start(config("three", List.of(one.address())));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> joined.containsAll(List.of("two", "three")));
        assertThat(threads).noneMatch(t -> t.startsWith("muster-loop"));
    }

    @Test
    void aSeedNamingThisNodeByHostNameFormsAClusterOfOne() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Cluster one = start(config("one", List.of(new Address("localhost", port))).port(port)
                .joinTimeout(Duration.ofSeconds(3)));
        assertThat(one.info().alive()).isEqualTo(1);
    }
}
