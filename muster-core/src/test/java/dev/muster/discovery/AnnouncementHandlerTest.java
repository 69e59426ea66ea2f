package dev.muster.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muster.Address;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The receive side without sockets: datagrams in through an EmbeddedChannel. */
class AnnouncementHandlerTest {

    private static final InetSocketAddress GROUP = new InetSocketAddress("239.255.77.46", 7947);
    private static final Address PEER = Address.parse("127.0.0.2:7946");

    private final List<Address> reported = new ArrayList<>();
    private final MulticastCounters counters = new MulticastCounters();
    private final EmbeddedChannel channel = new EmbeddedChannel(
            new AnnouncementHandler(new PeerTracker("blue", "node-1"), reported::add, counters));

    @Test
    void aPeerOfThisClusterIsReportedOnce() {
        receive(new Announcement("blue", "node-2", PEER).encode());
        receive(new Announcement("blue", "node-2", PEER).encode());
        receive(new Announcement("blue", "node-1", Address.parse("127.0.0.1:7946")).encode());

        assertThat(reported).containsExactly(PEER);
        assertThat(counters.snapshot().peersReported()).isEqualTo(1);
        assertThat(counters.snapshot().datagramsReceived()).isEqualTo(3);
    }

    @Test
    void otherClustersAndGarbageAreCountedAndIgnored() {
        receive(new Announcement("green", "node-2", PEER).encode());
        receive("GET / HTTP/1.1\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        receive(new byte[] {'M', 'U', 'S', 'D', 1, 9});
        receive(new byte[] {'M', 'U', 'S', 'D', 2});
        receive(new byte[Announcement.MAX_BYTES + 1]);

        MulticastStats stats = counters.snapshot();
        assertThat(reported).isEmpty();
        assertThat(List.of(stats.otherCluster(), stats.foreign(), stats.malformed(), stats.unsupportedVersion(),
                stats.oversized())).containsExactly(1L, 1L, 1L, 1L, 1L);
        assertThat(channel.isActive()).as("garbage never closes the channel").isTrue();
        assertThat(channel.inboundMessages()).as("nothing passes the handler").isEmpty();
    }

    @Test
    void aCallbackThatThrowsIsCountedAndDiscoveryGoesOn() {
        EmbeddedChannel failing = new EmbeddedChannel(new AnnouncementHandler(new PeerTracker("blue", "node-1"),
                address -> {
                    throw new IllegalStateException("callback bug");
                }, counters));

        failing.writeInbound(packet(new Announcement("blue", "node-2", PEER).encode()));
        failing.writeInbound(packet(new Announcement("blue", "node-3", Address.parse("127.0.0.3:7946")).encode()));
        failing.checkException();

        assertThat(counters.snapshot().callbackFailures()).isEqualTo(2);
        assertThat(failing.isActive()).isTrue();
    }

    @Test
    void aSocketErrorIsCountedAndDoesNotCloseTheChannel() {
        channel.pipeline().fireExceptionCaught(new java.io.IOException("ICMP says no"));
        channel.checkException();

        assertThat(counters.snapshot().receiveErrors()).isEqualTo(1);
        assertThat(channel.isActive()).isTrue();
    }

    private void receive(byte[] payload) {
        DatagramPacket packet = packet(payload);
        channel.writeInbound(packet);
        channel.checkException();
        assertThat(packet.refCnt()).as("every datagram is released").isZero();
    }

    private static DatagramPacket packet(byte[] payload) {
        return new DatagramPacket(Unpooled.wrappedBuffer(payload), GROUP, new InetSocketAddress("127.0.0.9", 7947));
    }
}
