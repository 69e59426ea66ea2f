package dev.muster.rpc;

import com.google.protobuf.ByteString;
import dev.muster.Address;
import dev.muster.Durations;
import dev.muster.RpcConfig;
import dev.muster.rpc.proto.FrameKind;
import dev.muster.rpc.proto.RpcFrame;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import dev.muster.services.RpcException;
import dev.muster.services.RpcException.Kind;
import dev.muster.transport.FaultFilter;
import dev.muster.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calling side: connections to other nodes' ports, pooled per node, each carrying up to
 * {@code rpc.max-in-flight} calls matched to their replies by id.
 *
 * <h2>Every pending call ends</h2>
 * A call is in its connection's pending map from the moment it is admitted until exactly one of:
 * its reply or error arrives, its deadline timer fires, its connection closes, its target is
 * declared gone ({@link #failTarget}), or the client closes. Each of these removes the entry
 * first and completes the future after, so a reply racing a timeout completes it once, and the
 * in-flight count goes down once.
 *
 * <p>Thread-safe: calls come from any thread; replies, timers and closes run on the node's loop.
 */
final class CallClient implements AutoCloseable {

    /** Bytes queued unsent on one connection past which new calls are refused (back-pressure). */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(1 << 20, 4 << 20);

    private static final Logger log = LoggerFactory.getLogger(CallClient.class);

    private final EventLoop loop;
    private final RpcConfig config;
    private final String clusterName;
    private final String nodeName;
    private final FaultFilter faults;
    private final Bootstrap bootstrap;
    private final ConcurrentHashMap<Address, Conn[]> pools = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger turn = new AtomicInteger();
    private volatile Address self;
    private volatile boolean closed;

    /** A call waiting for its reply. */
    static final class Pending {
        final long id;
        final String service;
        final String node;
        final Counters counters;
        final CompletableFuture<Reply> future = new CompletableFuture<>();
        final long startNanos = System.nanoTime();
        final long timeoutNanos;
        ScheduledFuture<?> timer;

        Pending(long id, String service, String node, Counters counters, long timeoutNanos) {
            this.id = id;
            this.service = service;
            this.node = node;
            this.counters = counters;
            this.timeoutNanos = timeoutNanos;
        }
    }

    /** One TCP connection to a node and the calls pending on it. */
    final class Conn {
        final Address target;
        final String node;
        final Channel channel;
        final BatchWriter writer;
        final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
        final AtomicInteger inFlight = new AtomicInteger();
        volatile String closeReason;

        Conn(Address target, String node, Channel channel) {
            this.target = target;
            this.node = node;
            this.channel = channel;
            this.writer = new BatchWriter(channel);
        }

        boolean usable() {
            return closeReason == null && channel.isOpen();
        }
    }

    CallClient(EventLoop loop, RpcConfig config, String clusterName, String nodeName, FaultFilter faults) {
        this.loop = loop;
        this.config = config;
        this.clusterName = clusterName;
        this.nodeName = nodeName;
        this.faults = faults;
        int maxFrame = config.maxMessageBytes() + Frames.MAX_OVERHEAD_BYTES;
        this.bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1000)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(maxFrame, 0, 4, 0, 4, true));
                        ch.pipeline().addLast(new ReplyHandler());
                    }
                });
    }

    /** This node's advertised address, sent in the hello; set once the port is bound. */
    void self(Address self) {
        this.self = self;
    }

    /**
     * Sends one call to {@code node} at {@code target}. The future completes with the reply, or
     * exceptionally with an {@link RpcException}; for a one-way call, once it is written.
     */
    CompletableFuture<Reply> call(Address target, String node, String service, Request request, Duration timeout,
                                  boolean oneWay, Counters counters) {
        if (closed) {
            return refused(counters, new RpcException(Kind.CLOSED, "node " + nodeName + " is closed"));
        }
        byte[] payload = request.payload();
        if (payload.length > config.maxMessageBytes()) {
            return refused(counters, new RpcException(Kind.TOO_LARGE, "request to " + service + " of "
                    + payload.length + " bytes exceeds rpc.max-message-bytes (" + config.maxMessageBytes()
                    + " bytes); nothing was sent"));
        }
        if (headerBytes(request.headers()) > Frames.MAX_OVERHEAD_BYTES / 2) {
            return refused(counters, new RpcException(Kind.TOO_LARGE, "request headers to " + service
                    + " exceed " + Frames.MAX_OVERHEAD_BYTES / 2 + " bytes; nothing was sent"));
        }
        Conn conn = connection(target, node);
        if (!conn.channel.isWritable() && conn.channel.isActive()) {
            return refused(counters, new RpcException(Kind.OVERLOADED, "the connection to " + node
                    + " has more than " + WATER_MARK.high() + " bytes unsent (the node reads slower than calls come);"
                    + " call " + service + " refused"));
        }
        if (conn.inFlight.incrementAndGet() > config.maxInFlight()) {
            conn.inFlight.decrementAndGet();
            return refused(counters, new RpcException(Kind.OVERLOADED, "the connection to " + node
                    + " has " + config.maxInFlight() + " calls in flight, the limit rpc.max-in-flight; call "
                    + service + " refused"));
        }
        long id = ids.incrementAndGet();
        long timeoutNanos = timeout.toNanos();
        Pending p = new Pending(id, service, node, counters, timeoutNanos);
        RpcFrame.Builder f = RpcFrame.newBuilder().setKind(oneWay ? FrameKind.ONE_WAY : FrameKind.REQUEST).setId(id)
                .setService(service).setTimeoutMicros(Math.max(1, timeoutNanos / 1000)).putAllHeaders(request.headers());
        if (config.compression() == RpcConfig.Compression.DEFLATE && payload.length > config.compressAboveBytes()) {
            f.setPayload(Frames.deflate(payload)).setDeflated(true);
        } else {
            f.setPayload(ByteString.copyFrom(payload));
        }
        counters.inFlight.increment();
        counters.bytesOut.add(payload.length);
        if (oneWay) {
            finish(conn, p, Reply.EMPTY, null); // nothing will answer: the call ends once written
            if (!dropped(target)) {
                conn.writer.offer(Frames.encode(f.build()));
            }
            return p.future;
        }
        conn.pending.put(id, p);
        p.timer = loop.schedule(() -> timedOut(conn, id), timeoutNanos, TimeUnit.NANOSECONDS);
        if (conn.closeReason != null) { // closed while we admitted: its sweep may have missed this entry
            fail(conn, id, new RpcException(Kind.UNAVAILABLE, conn.closeReason));
            return p.future;
        }
        if (!dropped(target)) {
            conn.writer.offer(Frames.encode(f.build()));
        }
        return p.future;
    }

    /** A call refused before it was sent: counted as an error, its future failed at once. */
    private static CompletableFuture<Reply> refused(Counters counters, RpcException e) {
        counters.errors.increment();
        return CompletableFuture.failedFuture(e);
    }

    private boolean dropped(Address target) {
        return faults != null && faults.drops(target, FaultFilter.Direction.OUTBOUND);
    }

    private static int headerBytes(Map<String, String> headers) {
        int n = 0;
        for (Map.Entry<String, String> e : headers.entrySet()) {
            n += e.getKey().length() * 3 + e.getValue().length() * 3 + 8;
        }
        return n;
    }

    private Conn connection(Address target, String node) {
        Conn[] pool = pools.get(target);
        int n = config.connectionsPerNode();
        if (pool != null) {
            Conn c = pool[n == 1 ? 0 : Math.floorMod(turn.getAndIncrement(), n)];
            if (c != null && c.usable()) {
                return c;
            }
        }
        synchronized (this) {
            pool = pools.computeIfAbsent(target, t -> new Conn[n]);
            int i = n == 1 ? 0 : Math.floorMod(turn.getAndIncrement(), n);
            Conn c = pool[i];
            if (c == null || !c.usable()) {
                c = open(target, node);
                pool[i] = c;
            }
            return c;
        }
    }

    private Conn open(Address target, String node) {
        InetSocketAddress at = new InetSocketAddress(target.host(), target.port());
        ChannelFuture f = bootstrap.connect(at);
        Conn c = new Conn(target, node, f.channel());
        f.channel().attr(ReplyHandler.CONN).set(c);
        ByteBuf preamble = Unpooled.buffer(4).writeInt(Transport.RPC_PREAMBLE);
        c.writer.offer(preamble);
        Address me = self;
        c.writer.offer(Frames.encode(RpcFrame.newBuilder().setKind(FrameKind.HELLO).setCluster(clusterName)
                .setNode(nodeName).setAddress(me == null ? "" : me.toString()).build()));
        f.addListener((ChannelFuture done) -> {
            if (done.isSuccess()) {
                c.writer.kick();
            } else {
                Throwable cause = done.cause();
                String why = cause instanceof java.net.ConnectException ? "refused" : String.valueOf(cause.getMessage());
                closeConn(c, "cannot connect to " + node + " at " + target + ": " + why);
            }
        });
        f.channel().closeFuture().addListener(x -> closeConn(c, "the connection to " + node + " at " + target + " closed"));
        return c;
    }

    /** Ends every call pending on {@code c} and takes it out of the pool. On the loop or any thread. */
    private void closeConn(Conn c, String reason) {
        if (c.closeReason == null) {
            c.closeReason = reason;
        }
        c.channel.close();
        c.writer.discard();
        for (Long id : List.copyOf(c.pending.keySet())) {
            fail(c, id, new RpcException(Kind.UNAVAILABLE, c.closeReason + "; the call did not complete"));
        }
    }

    private void timedOut(Conn c, long id) {
        Pending p = c.pending.get(id);
        if (p == null) {
            return;
        }
        p.counters.timeouts.increment();
        fail(c, id, new RpcException(Kind.TIMEOUT, "call to " + p.service + " on " + p.node + " timed out after "
                + Durations.format(Duration.ofMillis((p.timeoutNanos + 999_999) / 1_000_000))));
    }

    private void fail(Conn c, long id, RpcException e) {
        Pending p = c.pending.remove(id);
        if (p != null) {
            finish(c, p, null, e);
        }
    }

    private void finish(Conn c, Pending p, Reply reply, RpcException e) {
        if (p.timer != null) {
            p.timer.cancel(false);
        }
        c.inFlight.decrementAndGet();
        p.counters.inFlight.decrement();
        p.counters.latency.recordNanos(System.nanoTime() - p.startNanos);
        if (e != null) {
            p.counters.errors.increment();
            p.future.completeExceptionally(e);
        } else {
            p.counters.bytesIn.add(reply.payload().length);
            p.future.complete(reply);
        }
    }

    /**
     * The node at {@code target} was declared dead or left: its pending calls fail now rather
     * than at their deadlines, and its connections close.
     */
    void failTarget(Address target, String reason) {
        Conn[] pool = pools.remove(target);
        if (pool == null) {
            return;
        }
        for (Conn c : pool) {
            if (c != null) {
                closeConn(c, reason);
            }
        }
    }

    /** Calls in flight from this node to the node at {@code target}. */
    int inFlight(Address target) {
        Conn[] pool = pools.get(target);
        int n = 0;
        if (pool != null) {
            for (Conn c : pool) {
                if (c != null) {
                    n += c.inFlight.get();
                }
            }
        }
        return n;
    }

    /** Calls pending on every connection: zero once all calls ended (tests check for leaks). */
    int pending() {
        int n = 0;
        for (Conn[] pool : pools.values()) {
            for (Conn c : pool) {
                if (c != null) {
                    n += c.pending.size();
                }
            }
        }
        return n;
    }

    int connections() {
        int n = 0;
        for (Conn[] pool : pools.values()) {
            for (Conn c : pool) {
                if (c != null && c.usable()) {
                    n++;
                }
            }
        }
        return n;
    }

    @Override
    public void close() {
        closed = true;
        for (Address a : new ArrayList<>(pools.keySet())) {
            Conn[] pool = pools.remove(a);
            if (pool != null) {
                for (Conn c : pool) {
                    if (c != null) {
                        closeConn(c, "node " + nodeName + " closed");
                    }
                }
            }
        }
    }

    /** Replies and errors from the node called. */
    private final class ReplyHandler extends SimpleChannelInboundHandler<ByteBuf> {
        static final io.netty.util.AttributeKey<Conn> CONN = io.netty.util.AttributeKey.valueOf("muster-call-conn");

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf buf) {
            Conn c = ctx.channel().attr(CONN).get();
            RpcFrame f;
            try {
                f = Frames.decode(buf);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                log.warn("node {}: closing the call connection to {}: an unreadable reply ({})", nodeName, c.node,
                        e.getMessage());
                closeConn(c, "the connection to " + c.node + " sent an unreadable reply");
                return;
            }
            if (faults != null && faults.drops(c.target, FaultFilter.Direction.INBOUND)) {
                return;
            }
            Pending p = c.pending.remove(f.getId());
            if (p == null) {
                return; // timed out already
            }
            switch (f.getKind()) {
                case REPLY -> {
                    byte[] payload;
                    try {
                        payload = f.getDeflated() ? Frames.inflate(f.getPayload(), config.maxMessageBytes())
                                : f.getPayload().toByteArray();
                    } catch (RpcException e) {
                        finish(c, p, null, e);
                        return;
                    }
                    finish(c, p, new Reply(payload, f.getHeadersMap()), null);
                }
                case ERROR -> finish(c, p, null, new RpcException(kind(f.getErrorKind()), f.getError()));
                default -> finish(c, p, null, new RpcException(Kind.CODEC, "node " + c.node
                        + " answered call " + p.service + " with a " + f.getKind() + " frame"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Conn c = ctx.channel().attr(CONN).get();
            log.debug("node {}: call connection error: {}", nodeName, cause.toString());
            if (c != null) {
                closeConn(c, "the connection to " + c.node + " failed: " + cause.getMessage());
            } else {
                ctx.close();
            }
        }
    }

    private static Kind kind(String name) {
        try {
            return Kind.valueOf(name);
        } catch (IllegalArgumentException e) {
            return Kind.REMOTE;
        }
    }
}
