package dev.muster.discovery;

import dev.muster.Address;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads announcements from the multicast socket and reports new peers of this cluster to the
 * callback. Nothing escapes it: a datagram that is not a usable announcement is counted in
 * {@link MulticastStats} and dropped, a callback that throws is counted and logged, and a socket
 * error is counted; the channel keeps reading.
 *
 * <p>Not {@code @Sharable}: it holds one node's {@link PeerTracker}. Confined to the channel's
 * event loop, and so is the callback it runs.
 */
final class AnnouncementHandler extends SimpleChannelInboundHandler<DatagramPacket> {

    private static final Logger LOG = LoggerFactory.getLogger(AnnouncementHandler.class);

    private final PeerTracker peers;
    private final Consumer<Address> onPeer;
    private final MulticastCounters counters;

    AnnouncementHandler(PeerTracker peers, Consumer<Address> onPeer, MulticastCounters counters) {
        this.peers = peers;
        this.onPeer = onPeer;
        this.counters = counters;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        counters.datagramsReceived.incrementAndGet();
        switch (Announcement.decode(packet.content())) {
            case Announcement.Rejected rejected -> counters.countRejected(rejected.reason());
            case Announcement.Valid valid -> {
                switch (peers.offer(valid.announcement())) {
                    case NEW -> report(valid.announcement());
                    case OTHER_CLUSTER -> counters.otherCluster.incrementAndGet();
                    case KNOWN, SELF -> { }
                }
            }
        }
    }

    private void report(Announcement peer) {
        counters.peersReported.incrementAndGet();
        try {
            onPeer.accept(peer.address());
        } catch (RuntimeException e) {
            counters.callbackFailures.incrementAndGet();
            LOG.warn("the multicast discovery callback threw for peer '{}' at {}; discovery goes on",
                    peer.nodeName(), peer.address(), e);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        counters.receiveErrors.incrementAndGet();
        LOG.debug("multicast discovery socket error; the channel keeps reading", cause);
    }
}
