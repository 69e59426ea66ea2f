package dev.muster.transport;

import dev.muster.Address;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's network edge: a UDP socket for probes and gossip and a TCP listener plus pooled
 * connections for stream messages (push-pull, fallback pings, and later remote calls), both on
 * the same port. It moves bytes; the wire codec turns them into messages.
 *
 * <h2>Streams</h2>
 * Every stream frame carries a 4-byte length prefix; a frame longer than {@code maxFrameBytes} is
 * refused as soon as its length is read, before any buffer for it is allocated, and counted as
 * a decode error. The first frame on a connection is a hello naming the cluster and the sender's
 * advertised address: a connection from another cluster is closed, and replies to a peer reuse
 * the connection it opened (so a peer behind NAT is answered too). Outgoing connections are
 * pooled per peer, closed after {@link #IDLE_CLOSE_SECONDS} idle, and re-opened with exponential
 * backoff ({@link #MIN_BACKOFF_MILLIS} to {@link #MAX_BACKOFF_MILLIS}) after a failure.
 *
 * <h2>Refusals</h2>
 * A connection the peer's host refused (nothing listens on the port) goes to
 * {@link Receiver#refused}: on one host a crashed process shows this way at once. Timeouts never
 * count as refusals: a hung or partitioned process looks like that too.
 *
 * <h2>Concurrency</h2>
 * Confined to the node's event loop: every channel of the node is registered on that one loop,
 * so every callback, counter and pool update happens on it. {@link #sendPacket} and
 * {@link #sendFrame} must be called on the loop; {@link #stats()} and {@link #close()} may be
 * called from any thread.
 */
public final class Transport implements AutoCloseable {

    /** Where received bytes go; called on the node's event loop, must not block. */
    public interface Receiver {
        /** One datagram from {@code from}. */
        void packet(Address from, byte[] data);

        /** One stream frame from the peer whose advertised address is {@code from}. */
        void frame(Address from, byte[] frame);

        /** A stream connection to {@code to} was refused. */
        void refused(Address to);
    }

    /** Outgoing frames held per peer while its connection opens; more are dropped (gossip repeats). */
    static final int MAX_PENDING_FRAMES = 64;
    /** Peers with pooled connection state; the idle ones are forgotten first past this. */
    static final int MAX_PEERS = 4096;
    /** A stream connection unused this long is closed: the pool stays bounded by what is in use. */
    static final int IDLE_CLOSE_SECONDS = 60;
    static final int MIN_BACKOFF_MILLIS = 50;
    static final int MAX_BACKOFF_MILLIS = 2000;
    /** Largest datagram read: the UDP maximum, so an oversized packet is seen whole and refused by the decoder. */
    static final int MAX_DATAGRAM_BYTES = 65_535;
    /** Attempts to find a port free for both UDP and TCP when any port will do. */
    private static final int BIND_ATTEMPTS = 8;
    /**
     * Bytes queued for one socket beyond which sends to it are dropped and counted: a peer that
     * does not read (or a full UDP buffer) must not make this node's memory grow. Twice the
     * default max message, so one whole push-pull always fits.
     */
    static final io.netty.channel.WriteBufferWaterMark WATER_MARK =
            new io.netty.channel.WriteBufferWaterMark(1 << 20, 2 << 20);
    /** An inbound connection that sends fewer than 4 bytes within this time is closed. */
    static final int SNIFF_SECONDS = 10;
    /** The first 4 bytes of a call connection: "MRPC". */
    public static final int RPC_PREAMBLE = 0x4D525043;
    private static final byte HELLO_MAGIC = 'M';
    private static final byte HELLO_VERSION = 1;
    private static final int MAX_HELLO_STRING = 255;

    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    private final EventLoop loop;
    private final String clusterName;
    private final int maxFrameBytes;
    private final int connectTimeoutMillis;
    private final FaultFilter faults;
    private final Receiver receiver;
    private final Map<Address, Peer> peers = new HashMap<>();
    private final Map<Address, InetSocketAddress> resolved = new HashMap<>();
    private final Bootstrap clientBootstrap;
    /** Every stream connection, in and out, so close() closes them all. */
    private final ChannelGroup streams;
    private Channel udp;
    private volatile java.util.function.Consumer<SocketChannel> callInstaller;
    private Channel server;
    private Address self;
    private volatile boolean closed;

    private volatile long packetsIn;
    private volatile long packetsOut;
    private volatile long bytesIn;
    private volatile long bytesOut;
    private volatile long framesIn;
    private volatile long framesOut;
    private volatile int connectionsOpen;
    private volatile long decodeErrors;
    private volatile long refusedConnects;
    private volatile long droppedSends;
    private volatile long faultDrops;

    /** Pooled stream state of one peer. */
    private static final class Peer {
        Channel channel;
        boolean connecting;
        final ArrayDeque<byte[]> pending = new ArrayDeque<>();
        long retryAtNanos;
        int backoffMillis = MIN_BACKOFF_MILLIS;
        boolean lastRefused;
    }

    /**
     * @param faults the fault filter, or null when fault injection is off
     * @param connectTimeoutMillis how long a stream connection may take to open; a timeout is
     *     not a refusal
     */
    public Transport(EventLoop loop, String clusterName, int maxFrameBytes, int connectTimeoutMillis,
                     FaultFilter faults, Receiver receiver) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
        this.maxFrameBytes = maxFrameBytes;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.faults = faults;
        this.receiver = Objects.requireNonNull(receiver, "receiver");
        this.streams = new DefaultChannelGroup("muster-streams", loop, true);
        this.clientBootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        streamPipeline(ch, null);
                    }
                });
    }

    /**
     * Binds UDP and TCP to the same port on {@code host}; port 0 takes any port free for both.
     * Blocks until bound; call it off the loop.
     *
     * @return the port bound
     * @throws IOException when the port is taken or the host is not local, with the reason
     */
    public int bind(String host, int port) throws IOException {
        InetAddress ip = InetAddress.getByName(host);
        IOException last = null;
        for (int attempt = 0; attempt < (port == 0 ? BIND_ATTEMPTS : 1); attempt++) {
            Channel u = null;
            try {
                u = await(new Bootstrap().group(loop).channel(NioDatagramChannel.class)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM_BYTES))
                        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                        .handler(new DatagramHandler())
                        .bind(new InetSocketAddress(ip, port)), "UDP", ip, port);
                int bound = ((InetSocketAddress) u.localAddress()).getPort();
                Channel s = await(new ServerBootstrap().group(loop, loop).channel(NioServerSocketChannel.class)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                ch.pipeline().addLast(new ProtocolSniffer());
                            }
                        })
                        .bind(new InetSocketAddress(ip, bound)), "TCP", ip, bound);
                udp = u;
                server = s;
                return bound;
            } catch (IOException e) {
                last = e;
                if (u != null) {
                    u.close().syncUninterruptibly();
                }
            }
        }
        throw last;
    }

    private static Channel await(ChannelFuture f, String what, InetAddress ip, int port) throws IOException {
        f.awaitUninterruptibly();
        if (f.isSuccess()) {
            return f.channel();
        }
        Throwable cause = f.cause();
        String where = NetUtil.toSocketAddressString(new InetSocketAddress(ip, port));
        if (cause instanceof BindException) {
            throw new IOException(what + " port " + where + " is in use (or the host is not an address of this"
                    + " machine) — is another node running? try 'muster clean' or another port", cause);
        }
        throw new IOException("cannot bind " + what + " " + where + ": " + cause.getMessage(), cause);
    }

    /** The advertised address of this node, sent in every hello; set once before the first send. */
    public void advertise(Address self) {
        this.self = Objects.requireNonNull(self, "self");
    }

    // ------------------------------------------------------------------ sending (on the loop)

    /** Sends one datagram; dropped (and counted) if the socket cannot take it. */
    public void sendPacket(Address to, byte[] data) {
        if (closed) {
            return;
        }
        if (!faulted(to, () -> writePacket(to, data))) {
            writePacket(to, data);
        }
    }

    /**
     * Applies the fault filter to a send: true when it took the send over (dropped it, or
     * scheduled {@code send} after the rule's delay); false when the caller sends now.
     */
    private boolean faulted(Address to, Runnable send) {
        if (faults == null) {
            return false;
        }
        switch (faults.decide(to, FaultFilter.Direction.OUTBOUND)) {
            case DROP -> {
                faultDrops++;
                return true;
            }
            case DELAY -> {
                loop.schedule(send, faults.delayNanos(to, FaultFilter.Direction.OUTBOUND), TimeUnit.NANOSECONDS);
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private void writePacket(Address to, byte[] data) {
        if (closed) {
            return;
        }
        InetSocketAddress target = inet(to);
        if (target == null || !udp.isWritable()) {
            droppedSends++;
            return;
        }
        packetsOut++;
        bytesOut += data.length;
        udp.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(data), target), udp.voidPromise());
    }

    /** Sends one stream frame over the pooled connection to {@code to}, opening it if needed. */
    public void sendFrame(Address to, byte[] frame) {
        if (closed) {
            return;
        }
        if (frame.length > maxFrameBytes) {
            throw new IllegalArgumentException("frame of " + frame.length + " bytes exceeds the max message size ("
                    + maxFrameBytes + " bytes)");
        }
        if (!faulted(to, () -> writeFrame(to, frame))) {
            writeFrame(to, frame);
        }
    }

    private void writeFrame(Address to, byte[] frame) {
        if (closed) {
            return;
        }
        Peer peer = peer(to);
        if (peer.channel != null && peer.channel.isActive()) {
            write(peer.channel, frame);
            return;
        }
        if (peer.connecting) {
            enqueue(peer, frame);
            return;
        }
        if (System.nanoTime() < peer.retryAtNanos) {
            droppedSends++;
            if (peer.lastRefused) {
                receiver.refused(to); // the refusal is recent: still evidence
            }
            return;
        }
        InetSocketAddress target = inet(to);
        if (target == null) {
            droppedSends++;
            return;
        }
        peer.connecting = true;
        enqueue(peer, frame);
        clientBootstrap.connect(target).addListener((ChannelFuture f) -> connected(to, peer, f));
    }

    private void connected(Address to, Peer peer, ChannelFuture f) {
        peer.connecting = false;
        if (f.isSuccess() && !closed) {
            Channel ch = f.channel();
            ch.attr(PeerKey.KEY).set(to);
            peer.channel = ch;
            peer.backoffMillis = MIN_BACKOFF_MILLIS;
            peer.lastRefused = false;
            ch.closeFuture().addListener(c -> {
                if (peer.channel == ch) {
                    peer.channel = null;
                }
            });
            write(ch, hello());
            framesOut--; // the hello is not a frame of the protocol
            while (!peer.pending.isEmpty()) {
                write(ch, peer.pending.poll());
            }
            return;
        }
        if (f.isSuccess()) {
            f.channel().close();
        }
        droppedSends += peer.pending.size();
        peer.pending.clear();
        peer.retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(peer.backoffMillis);
        peer.backoffMillis = Math.min(MAX_BACKOFF_MILLIS, peer.backoffMillis * 2);
        peer.lastRefused = isRefusal(f.cause());
        if (peer.lastRefused) {
            refusedConnects++;
            receiver.refused(to);
        } else {
            log.debug("stream connection to {} failed: {}", to, f.cause() == null ? "closed" : f.cause().toString());
        }
    }

    /** A refusal is a connect error whose host answered "nothing listens here"; a timeout is not. */
    static boolean isRefusal(Throwable cause) {
        if (!(cause instanceof ConnectException) || cause instanceof io.netty.channel.ConnectTimeoutException) {
            return false;
        }
        String m = cause.getMessage();
        return m != null && m.contains("refused");
    }

    private void enqueue(Peer peer, byte[] frame) {
        if (peer.pending.size() >= MAX_PENDING_FRAMES) {
            droppedSends++;
            return;
        }
        peer.pending.add(frame);
    }

    private void write(Channel ch, byte[] frame) {
        if (!ch.isWritable()) {
            droppedSends++; // the peer is not reading: past the water mark, drop (gossip repeats)
            return;
        }
        framesOut++;
        bytesOut += frame.length + 4;
        ch.writeAndFlush(Unpooled.wrappedBuffer(frame), ch.voidPromise());
    }

    private Peer peer(Address to) {
        Peer p = peers.get(to);
        if (p == null) {
            if (peers.size() >= MAX_PEERS) {
                forgetIdlePeers();
            }
            p = new Peer();
            peers.put(to, p);
        }
        return p;
    }

    private void forgetIdlePeers() {
        long now = System.nanoTime();
        for (Iterator<Peer> it = peers.values().iterator(); it.hasNext(); ) {
            Peer p = it.next();
            if (p.channel == null && !p.connecting && now >= p.retryAtNanos) {
                it.remove();
            }
        }
        if (resolved.size() >= MAX_PEERS) {
            resolved.clear();
        }
    }

    /**
     * The socket address of a member, or null when its host is not an IP literal: members
     * advertise literals, and a name (from a forged or misconfigured message) is never looked
     * up here, because a DNS lookup would block the event loop every node on it shares.
     */
    private InetSocketAddress inet(Address a) {
        InetSocketAddress isa = resolved.get(a);
        if (isa == null) {
            byte[] ip = NetUtil.createByteArrayFromIpAddressString(a.host());
            if (ip == null) {
                return null;
            }
            try {
                isa = new InetSocketAddress(InetAddress.getByAddress(ip), a.port());
            } catch (java.net.UnknownHostException e) {
                return null; // cannot happen for 4 or 16 bytes
            }
            if (resolved.size() >= MAX_PEERS) {
                resolved.clear();
            }
            resolved.put(a, isa);
        }
        return isa;
    }

    /** The address of an IP and port in the form every node uses (RFC 5952 for IPv6). */
    public static Address address(InetSocketAddress isa) {
        return new Address(NetUtil.toAddressString(isa.getAddress()), isa.getPort());
    }

    // ------------------------------------------------------------------ receiving

    private void streamPipeline(SocketChannel ch, InboundHello hello) {
        ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_CLOSE_SECONDS));
        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(maxFrameBytes, 0, 4, 0, 4, true));
        ch.pipeline().addLast(new LengthFieldPrepender(4));
        if (hello != null) {
            ch.pipeline().addLast(hello);
        }
        ch.pipeline().addLast(new StreamHandler());
    }

    /**
     * Lets remote calls share this node's TCP port: an inbound connection whose first 4 bytes are
     * {@link #RPC_PREAMBLE} is handed to {@code installer} (on the loop), which sets up its own
     * pipeline; every other connection is a membership stream. Set once, before calls arrive.
     */
    public void acceptCalls(java.util.function.Consumer<SocketChannel> installer) {
        this.callInstaller = installer;
    }

    /**
     * Reads the first 4 bytes of an inbound connection to tell a call connection ("MRPC") from a
     * membership stream, whose first 4 bytes are a frame length far below that number. It holds
     * back channelActive until it knows which pipeline gets the connection.
     */
    private final class ProtocolSniffer extends io.netty.handler.codec.ByteToMessageDecoder {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // re-fired once the pipeline behind this handler is in place; a connection that says
            // nothing for a while is closed, so silent sockets cannot pile up
            ctx.executor().schedule(() -> {
                if (ctx.pipeline().get(ProtocolSniffer.class) == this) {
                    decodeErrors++;
                    ctx.close();
                }
            }, SNIFF_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, java.util.List<Object> out) {
            if (in.readableBytes() < 4) {
                return;
            }
            SocketChannel ch = (SocketChannel) ctx.channel();
            java.util.function.Consumer<SocketChannel> calls = callInstaller;
            if (in.getInt(in.readerIndex()) == RPC_PREAMBLE && calls != null && !closed) {
                in.skipBytes(4);
                calls.accept(ch);
            } else {
                streamPipeline(ch, new InboundHello());
            }
            ctx.fireChannelActive();
            ctx.pipeline().remove(this); // hands the bytes read so far to the new pipeline
        }
    }

    private boolean filteredIn(Address from) {
        if (faults == null) {
            return false;
        }
        if (faults.decide(from, FaultFilter.Direction.INBOUND) == FaultFilter.Verdict.DROP) {
            faultDrops++;
            return true;
        }
        return false;
    }

    /** Delivers a received message now or, under a fault rule with a delay, later. */
    private void deliver(Address from, Runnable delivery) {
        long delay = faults == null ? 0 : faults.delayNanos(from, FaultFilter.Direction.INBOUND);
        if (delay > 0) {
            loop.schedule(() -> {
                if (!closed) {
                    delivery.run();
                }
            }, delay, TimeUnit.NANOSECONDS);
        } else {
            delivery.run();
        }
    }

    private final class DatagramHandler extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            packetsIn++;
            ByteBuf buf = p.content();
            bytesIn += buf.readableBytes();
            Address from = address(p.sender());
            if (filteredIn(from)) {
                return;
            }
            byte[] data = ByteBufUtil.getBytes(buf);
            deliver(from, () -> receiver.packet(from, data));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("datagram socket error: {}", cause.toString());
        }
    }

    /** Reads the hello of an accepted connection: which cluster, and who is calling. */
    private final class InboundHello extends SimpleChannelInboundHandler<ByteBuf> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            bytesIn += frame.readableBytes() + 4;
            Address from = readHello(frame);
            if (from == null) {
                decodeErrors++;
                ctx.close();
                return;
            }
            ctx.channel().attr(PeerKey.KEY).set(from);
            ctx.pipeline().remove(this);
            if (closed) {
                ctx.close();
                return;
            }
            Peer peer = peer(from);
            if (peer.channel == null || !peer.channel.isActive()) {
                // replies to this peer reuse its connection
                peer.channel = ctx.channel();
                Channel ch = ctx.channel();
                ch.closeFuture().addListener(c -> {
                    if (peer.channel == ch) {
                        peer.channel = null;
                    }
                });
                // frames queued for our own connection attempt go first, so nothing overtakes them
                while (!peer.pending.isEmpty()) {
                    write(ch, peer.pending.poll());
                }
            }
        }
    }

    private final class StreamHandler extends SimpleChannelInboundHandler<ByteBuf> {
        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            connectionsOpen++;
            streams.add(ctx.channel());
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            connectionsOpen--;
            super.channelInactive(ctx);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            Address from = ctx.channel().attr(PeerKey.KEY).get();
            framesIn++;
            bytesIn += frame.readableBytes() + 4;
            if (from == null || filteredIn(from)) {
                return;
            }
            byte[] data = ByteBufUtil.getBytes(frame);
            deliver(from, () -> receiver.frame(from, data));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof TooLongFrameException || cause instanceof DecoderException) {
                // the length prefix announced more than the max message size: nothing was
                // allocated for it; the stream cannot be trusted to stay in step, so close it
                decodeErrors++;
                log.debug("closing stream from {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
            } else {
                log.debug("stream error with {}: {}", ctx.channel().remoteAddress(), cause.toString());
            }
            ctx.close();
        }
    }

    private byte[] hello() {
        ByteBuf b = Unpooled.buffer(64);
        b.writeByte(HELLO_MAGIC);
        b.writeByte(HELLO_VERSION);
        writeString(b, clusterName);
        writeString(b, self.host());
        b.writeShort(self.port());
        return ByteBufUtil.getBytes(b);
    }

    /** The caller's advertised address, or null when the hello is malformed or of another cluster. */
    private Address readHello(ByteBuf b) {
        try {
            if (b.readByte() != HELLO_MAGIC || b.readByte() != HELLO_VERSION) {
                return null;
            }
            String cluster = readString(b);
            String host = readString(b);
            int port = b.readUnsignedShort();
            if (b.isReadable() || !cluster.equals(clusterName) || !NetUtil.isValidIpV4Address(host)
                    && !NetUtil.isValidIpV6Address(host)) {
                return null;
            }
            return new Address(host, port);
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            return null;
        }
    }

    private static void writeString(ByteBuf b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.writeByte(bytes.length);
        b.writeBytes(bytes);
    }

    private static String readString(ByteBuf b) {
        int n = b.readUnsignedByte();
        if (n > MAX_HELLO_STRING || n > b.readableBytes()) {
            throw new IndexOutOfBoundsException("string of " + n + " bytes");
        }
        return b.readCharSequence(n, StandardCharsets.UTF_8).toString();
    }

    // ------------------------------------------------------------------ reads, close

    /** A snapshot of the counters; any thread. */
    public TransportStats stats() {
        return new TransportStats(packetsIn, packetsOut, bytesIn, bytesOut, framesIn, framesOut, connectionsOpen,
                decodeErrors, refusedConnects, droppedSends, faultDrops);
    }

    /** Counts a datagram or frame the codec could not decode. On the loop. */
    public void countDecodeError() {
        decodeErrors++;
    }

    /** Closes every socket and waits for them to close; any thread except the loop. */
    @Override
    public void close() {
        if (loop.inEventLoop()) {
            throw new IllegalStateException("Transport.close() must not be called on its event loop");
        }
        closed = true;
        // listeners first, so nothing new is accepted while the connections close
        if (server != null) {
            server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (udp != null) {
            udp.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        streams.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        loop.submit(peers::clear).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Channel attribute: the peer's advertised address. */
    private static final class PeerKey {
        static final io.netty.util.AttributeKey<Address> KEY = io.netty.util.AttributeKey.valueOf("muster.peer");
    }
}
