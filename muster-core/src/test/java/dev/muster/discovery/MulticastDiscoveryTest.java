package dev.muster.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.muster.Address;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real sockets on the loopback interface. Each test uses a fresh port and a random cluster name,
 * so test runs side by side on one machine do not hear each other. When this machine's loopback
 * does not deliver multicast at all, the socket tests are skipped and say why; the codec and the
 * peer filter are covered without sockets by AnnouncementTest, PeerTrackerTest and
 * AnnouncementHandlerTest.
 */
class MulticastDiscoveryTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static NioEventLoopGroup loops;
    private static String multicastProblem;

    private final String cluster = "test-" + UUID.randomUUID();
    private final List<MulticastDiscovery> started = new ArrayList<>();
    private int port;

    @BeforeAll
    static void startLoop() {
        loops = new NioEventLoopGroup(1); // one loop shared by every node, as embedded nodes share them
        multicastProblem = LoopbackMulticast.problem();
    }

    @AfterAll
    static void stopLoop() {
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void pickPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
    }

    @AfterEach
    void closeAll() {
        started.forEach(MulticastDiscovery::close);
    }

    @Test
    void twoNodesOnLoopbackFindEachOtherOnce() throws IOException {
        assumeMulticast();
        List<Address> foundByA = new CopyOnWriteArrayList<>();
        List<Address> foundByB = new CopyOnWriteArrayList<>();
        MulticastDiscovery a = start(config(cluster, "node-a", 7001), foundByA);
        MulticastDiscovery b = start(config(cluster, "node-b", 7002), foundByB);

        await().atMost(DEADLINE).untilAsserted(() -> {
            assertThat(foundByA).as("node-a hears node-b").contains(Address.parse("127.0.0.1:7002"));
            assertThat(foundByB).as("node-b hears node-a").contains(Address.parse("127.0.0.1:7001"));
        });
        long heard = a.stats().datagramsReceived();
        await().atMost(DEADLINE).until(() -> a.stats().datagramsReceived() >= heard + 6);

        assertThat(a.networkInterfaceName()).as("the interface of the advertised 127.0.0.1")
                .isEqualTo(loopbackInterface().getName());
        assertThat(foundByA).as("each peer is reported once, not at every announcement")
                .containsExactly(Address.parse("127.0.0.1:7002"));
        assertThat(foundByB).containsExactly(Address.parse("127.0.0.1:7001"));
        assertThat(a.stats().announcementsSent()).isPositive();
    }

    @Test
    void nodesOfAnotherClusterAreIgnored() throws IOException {
        assumeMulticast();
        List<Address> foundByA = new CopyOnWriteArrayList<>();
        List<Address> foundByOther = new CopyOnWriteArrayList<>();
        MulticastDiscovery a = start(config(cluster, "node-a", 7001), foundByA);
        MulticastDiscovery other = start(MulticastConfig.builder(cluster + "-other", "node-b",
                        Address.parse("127.0.0.1:7002"))
                .group(MulticastConfig.DEFAULT_GROUP, port)
                .networkInterface(loopbackInterface().getName())
                .announceInterval(Duration.ofMillis(100))
                .build(), foundByOther);

        await().atMost(DEADLINE).untilAsserted(() -> {
            assertThat(a.stats().otherCluster()).as("node-a heard the other cluster").isGreaterThanOrEqualTo(2);
            assertThat(other.stats().otherCluster()).as("and the other cluster heard node-a").isGreaterThanOrEqualTo(2);
        });
        assertThat(foundByA).isEmpty();
        assertThat(foundByOther).isEmpty();
    }

    @Test
    void garbageDatagramsAreCountedAndIgnored() throws IOException {
        assumeMulticast();
        List<Address> foundByA = new CopyOnWriteArrayList<>();
        MulticastDiscovery a = start(config(cluster, "node-a", 7001), foundByA);

        sendToGroup("hello, multicast".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        sendToGroup(new byte[] {'M', 'U', 'S', 'D', 1, 3, 'a'});
        sendToGroup(new byte[] {'M', 'U', 'S', 'D', 7});
        sendToGroup(new byte[1400]);
        await().atMost(DEADLINE).untilAsserted(() -> {
            MulticastStats stats = a.stats();
            assertThat(List.of(stats.foreign(), stats.malformed(), stats.unsupportedVersion(), stats.oversized()))
                    .as("foreign, malformed, newer version, oversized").containsExactly(1L, 1L, 1L, 1L);
        });
        start(config(cluster, "node-b", 7002), new CopyOnWriteArrayList<>());

        await().atMost(DEADLINE).untilAsserted(() -> assertThat(foundByA)
                .as("node-a still works after the garbage").containsExactly(Address.parse("127.0.0.1:7002")));
    }

    @Test
    void afterCloseANodeHearsNothingMore() throws IOException {
        assumeMulticast();
        List<Address> foundByA = new CopyOnWriteArrayList<>();
        MulticastDiscovery a = start(config(cluster, "node-a", 7001), foundByA);
        MulticastDiscovery b = start(config(cluster, "node-b", 7002), new CopyOnWriteArrayList<>());
        await().atMost(DEADLINE).until(() -> !foundByA.isEmpty());

        a.close();
        a.close(); // idempotent
        MulticastStats closed = a.stats();
        long sentByB = b.stats().announcementsSent();
        await().atMost(DEADLINE).until(() -> b.stats().announcementsSent() >= sentByB + 5);

        assertThat(a.stats()).as("no announcement read or sent after close").isEqualTo(closed);
    }

    @Test
    void anUnknownInterfaceIsNamedWithTheOnesThatExist() {
        MulticastConfig config = MulticastConfig.builder(cluster, "node-a", Address.parse("127.0.0.1:7001"))
                .networkInterface("no-such-if0").build();

        assertThatThrownBy(() -> MulticastDiscovery.start(config, loops, address -> { }))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("network interface 'no-such-if0' does not exist; this host has ")
                .hasMessageContaining(loopbackInterface().getName());
    }

    @Test
    void anAdvertisedAddressOfNoLocalInterfaceNeedsAnInterfaceName() {
        MulticastConfig config = MulticastConfig.builder(cluster, "node-a", Address.parse("node-a.muster.test:7001"))
                .build();

        assertThatThrownBy(() -> MulticastDiscovery.start(config, loops, address -> { }))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("no network interface holds the advertised address node-a.muster.test,"
                        + " so multicast discovery cannot pick one; name it with MulticastConfig.Builder.networkInterface");
    }

    @Test
    void startNeedsANioGroupAndAThreadOutsideIt() throws Exception {
        MulticastConfig config = config(cluster, "node-a", 7001);
        DefaultEventLoopGroup local = new DefaultEventLoopGroup(1);
        try {
            assertThatThrownBy(() -> MulticastDiscovery.start(config, local, address -> { }))
                    .hasMessage("multicast discovery uses a NIO datagram channel: pass a NioEventLoopGroup,"
                            + " not DefaultEventLoopGroup");
        } finally {
            local.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }

        CompletableFuture<Throwable> onLoop = new CompletableFuture<>();
        loops.execute(() -> {
            try {
                MulticastDiscovery.start(config, loops, address -> { }).close();
                onLoop.complete(null);
            } catch (Throwable t) {
                onLoop.complete(t);
            }
        });
        assertThat(onLoop.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("MulticastDiscovery.start blocks until its socket is ready");
    }

    private MulticastConfig config(String clusterName, String node, int advertisedPort) {
        return MulticastConfig.builder(clusterName, node, Address.parse("127.0.0.1:" + advertisedPort))
                .group(MulticastConfig.DEFAULT_GROUP, port)
                .announceInterval(Duration.ofMillis(100))
                .build();
    }

    private MulticastDiscovery start(MulticastConfig config, List<Address> found) throws IOException {
        MulticastDiscovery discovery = MulticastDiscovery.start(config, loops, found::add);
        started.add(discovery);
        return discovery;
    }

    private void sendToGroup(byte[] payload) throws IOException {
        try (DatagramChannel sender = DatagramChannel.open(StandardProtocolFamily.INET)) {
            sender.setOption(StandardSocketOptions.IP_MULTICAST_IF, loopbackInterface());
            sender.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            sender.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 0);
            sender.send(ByteBuffer.wrap(payload),
                    new InetSocketAddress(InetAddress.getByName(MulticastConfig.DEFAULT_GROUP), port));
        }
    }

    private static void assumeMulticast() {
        assumeTrue(multicastProblem == null, () -> "skipped: " + multicastProblem);
    }

    private static NetworkInterface loopbackInterface() {
        return LoopbackMulticast.loopbackInterface();
    }
}
