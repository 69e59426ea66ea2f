package dev.muster.discovery;

import dev.muster.Address;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.nio.NioEventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.Collections;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Finds peers on a LAN by UDP multicast: every node announces its cluster name, node name and
 * advertised address to a multicast group once per interval, and listens on the same group for
 * the others. Each peer of the same cluster (not this node) is handed to a callback once, and
 * again if it comes back at a new address; the node then joins it as a seed.
 *
 * <p>Design: the announcement codec ({@link Announcement}) and the peer filter
 * ({@link PeerTracker}) are pure and tested without sockets; this class only binds the Netty
 * channel, joins the group and schedules the announcements. Anyone on the LAN can announce, so a
 * reported peer is only a suggestion: the membership protocol decides who is in the cluster.
 * Nothing is sent when a node leaves; the membership protocol notices that.
 *
 * <p>Socket: an NIO datagram socket bound to the group address and port (so it receives only
 * that group's traffic; works on Linux and macOS) with SO_REUSEADDR, so several nodes of one
 * host can share the port; membership of the group and outgoing announcements use one network
 * interface ({@link MulticastConfig#networkInterface()}). Datagrams longer than 512 bytes are
 * read only that far and dropped.
 *
 * <p><b>Threads:</b> runs on an event loop of the {@link EventLoopGroup} its caller passes in
 * (embedded nodes share loops), and owns no thread. The announcements and the callback run on
 * that loop: <b>the callback must not block</b>; hand the address to the node's own loop or
 * executor and return. {@link #start} and {@link #close} block briefly and must be called from
 * outside that group's loops. {@link #stats()} may be called from any thread.
 */
public final class MulticastDiscovery implements AutoCloseable {

    /** Longest wait for binding and joining the group in {@link #start}, and for closing. */
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(5);

    private final MulticastConfig config;
    private final NioDatagramChannel channel;
    private final NetworkInterface networkInterface;
    private final MulticastCounters counters;
    private final byte[] announcement;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ScheduledFuture<?> announcer;

    private MulticastDiscovery(MulticastConfig config, NioDatagramChannel channel, NetworkInterface networkInterface,
            MulticastCounters counters) {
        this.config = config;
        this.channel = channel;
        this.networkInterface = networkInterface;
        this.counters = counters;
        this.announcement = config.announcement().encode();
    }

    /**
     * Binds the group's port, joins the group and starts announcing (the first announcement goes
     * out at once). Blocks until the socket is ready, at most a few seconds.
     *
     * @param group a NIO event loop group lent by the caller; the channel registers on one loop
     * @param onPeer told each new peer's advertised address, on the event loop; must not block
     * @throws IOException when the interface is missing or down, or the socket cannot be bound
     *     or join the group; the message names the interface and the group
     * @throws IllegalArgumentException when {@code group} is not a NIO group
     * @throws IllegalStateException when called on one of the group's event loops
     */
    public static MulticastDiscovery start(MulticastConfig config, EventLoopGroup group, Consumer<Address> onPeer)
            throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(onPeer, "onPeer");
        checkGroup(group);
        NetworkInterface networkInterface = networkInterface(config);
        MulticastCounters counters = new MulticastCounters();
        AnnouncementHandler handler = new AnnouncementHandler(
                new PeerTracker(config.clusterName(), config.nodeName()), onPeer, counters);
        InternetProtocolFamily family = config.group().getAddress() instanceof Inet6Address
                ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4;
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channelFactory(() -> new NioDatagramChannel(family))
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.IP_MULTICAST_IF, networkInterface)
                .option(ChannelOption.IP_MULTICAST_LOOP_DISABLED, !config.loopback())
                .option(ChannelOption.IP_MULTICAST_TTL, config.ttl())
                // one byte more than the limit, so an oversized datagram shows as such
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Announcement.MAX_BYTES + 1))
                .handler(handler);
        String where = "multicast group " + hostPort(config) + " on interface " + networkInterface.getName();
        ChannelFuture bound = await(bootstrap.bind(config.group()), "cannot bind " + where);
        NioDatagramChannel channel = (NioDatagramChannel) bound.channel();
        try {
            await(channel.joinGroup(config.group(), networkInterface), "cannot join " + where
                    + " (does the interface carry multicast? see 'ip link show " + networkInterface.getName() + "')");
        } catch (IOException e) {
            channel.close().awaitUninterruptibly(SOCKET_TIMEOUT.toMillis());
            throw e;
        }
        MulticastDiscovery discovery = new MulticastDiscovery(config, channel, networkInterface, counters);
        discovery.announcer = channel.eventLoop().scheduleAtFixedRate(discovery::announce, 0,
                config.announceInterval().toNanos(), TimeUnit.NANOSECONDS);
        return discovery;
    }

    /** A snapshot of the counters; any thread. */
    public MulticastStats stats() {
        return counters.snapshot();
    }

    public MulticastConfig config() {
        return config;
    }

    /** The interface announcements use: the configured one, or the one of the advertised address. */
    public String networkInterfaceName() {
        return networkInterface.getName();
    }

    /**
     * Stops announcing, leaves the group and closes the socket; the callback is not called after
     * this returns (when called off the loop). Idempotent. Closing the socket leaves the group
     * even if the explicit leave failed.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        announcer.cancel(false);
        channel.leaveGroup(config.group(), networkInterface).addListener(left -> channel.close());
        if (!channel.eventLoop().inEventLoop()) {
            channel.closeFuture().awaitUninterruptibly(SOCKET_TIMEOUT.toMillis());
        }
    }

    private void announce() {
        channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(announcement), config.group()))
                .addListener(sent -> (sent.isSuccess() ? counters.announcementsSent : counters.sendFailures)
                        .incrementAndGet());
    }

    private static void checkGroup(EventLoopGroup group) {
        for (EventExecutor loop : group) {
            if (!(loop instanceof NioEventLoop)) {
                throw new IllegalArgumentException("multicast discovery uses a NIO datagram channel: pass a"
                        + " NioEventLoopGroup, not " + group.getClass().getSimpleName());
            }
            if (loop.inEventLoop()) {
                throw new IllegalStateException("MulticastDiscovery.start blocks until its socket is ready:"
                        + " call it from a thread that is not one of the group's event loops");
            }
        }
    }

    /** The configured interface, or the one holding the advertised address. */
    private static NetworkInterface networkInterface(MulticastConfig config) throws IOException {
        NetworkInterface found;
        if (config.networkInterface().isPresent()) {
            String name = config.networkInterface().get();
            found = NetworkInterface.getByName(name);
            if (found == null) {
                throw new IOException("network interface '" + name + "' does not exist; this host has "
                        + interfaceNames());
            }
        } else {
            InetAddress advertised = IpLiterals.parse(config.advertised().host());
            found = advertised == null ? null : NetworkInterface.getByInetAddress(advertised);
            if (found == null) {
                throw new IOException("no network interface holds the advertised address "
                        + config.advertised().host() + ", so multicast discovery cannot pick one; name it with"
                        + " MulticastConfig.Builder.networkInterface (this host has " + interfaceNames() + ")");
            }
        }
        if (!found.isUp()) {
            throw new IOException("network interface '" + found.getName() + "' is down");
        }
        return found;
    }

    private static String interfaceNames() throws SocketException {
        return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .map(NetworkInterface::getName).sorted().collect(Collectors.joining(", "));
    }

    private static ChannelFuture await(ChannelFuture future, String failure) throws IOException {
        if (!future.awaitUninterruptibly(SOCKET_TIMEOUT.toMillis())) {
            future.channel().close();
            throw new IOException(failure + ": no result within " + SOCKET_TIMEOUT.toSeconds() + "s");
        }
        if (!future.isSuccess()) {
            throw new IOException(failure + ": " + future.cause().getMessage(), future.cause());
        }
        return future;
    }

    private static String hostPort(MulticastConfig config) {
        return new Address(IpLiterals.text(config.group().getAddress()), config.group().getPort()).toString();
    }
}
