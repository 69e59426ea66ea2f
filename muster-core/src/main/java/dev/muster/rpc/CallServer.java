package dev.muster.rpc;

import com.google.protobuf.ByteString;
import dev.muster.Address;
import dev.muster.RpcConfig;
import dev.muster.rpc.proto.FrameKind;
import dev.muster.rpc.proto.RpcFrame;
import dev.muster.services.CallContext;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import dev.muster.services.RpcException;
import dev.muster.services.RpcException.Kind;
import dev.muster.transport.FaultFilter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving side: inbound call connections, each opened by another node's {@link CallClient}.
 * Frames are read on the loop; each call's handler runs on a virtual thread of its own, never
 * on the loop; replies go back through the connection's {@link BatchWriter}.
 *
 * <p>A connection may have at most {@code rpc.max-in-flight} handlers running; a call past that
 * is answered "overloaded" at once. A frame that is not a call, from another cluster, or too
 * large closes the connection (the caller's pending calls then fail "connection closed").
 */
final class CallServer {

    private static final Logger log = LoggerFactory.getLogger(CallServer.class);

    private final ServiceRuntime runtime;
    private final String clusterName;
    private final String nodeName;
    private final RpcConfig config;
    private final FaultFilter faults;
    private final ExecutorService handlers;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong rejectedFrames = new AtomicLong();
    private final io.netty.channel.group.ChannelGroup channels =
            new io.netty.channel.group.DefaultChannelGroup("muster-calls", io.netty.util.concurrent.GlobalEventExecutor.INSTANCE, true);
    private volatile boolean closed;

    CallServer(ServiceRuntime runtime, String clusterName, String nodeName, RpcConfig config, FaultFilter faults,
               ExecutorService handlers) {
        this.runtime = runtime;
        this.clusterName = clusterName;
        this.nodeName = nodeName;
        this.config = config;
        this.faults = faults;
        this.handlers = handlers;
    }

    void install(SocketChannel ch) {
        int maxFrame = config.maxMessageBytes() + Frames.MAX_OVERHEAD_BYTES;
        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(maxFrame, 0, 4, 0, 4, true));
        ch.pipeline().addLast(new Inbound(ch));
        channels.add(ch);
    }

    int running() {
        return running.get();
    }

    long rejectedFrames() {
        return rejectedFrames.get();
    }

    void close() {
        closed = true;
        channels.close();
    }

    /** One inbound connection. */
    private final class Inbound extends SimpleChannelInboundHandler<ByteBuf> {
        final BatchWriter writer;
        final AtomicInteger active = new AtomicInteger();
        String caller;
        Address callerAddress;

        Inbound(SocketChannel ch) {
            this.writer = new BatchWriter(ch);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf buf) {
            RpcFrame f;
            try {
                f = Frames.decode(buf);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                refuse(ctx, "an unreadable frame (" + e.getMessage() + ")");
                return;
            }
            if (caller == null) {
                hello(ctx, f);
                return;
            }
            if (faults != null && callerAddress != null && faults.drops(callerAddress, FaultFilter.Direction.INBOUND)) {
                return;
            }
            switch (f.getKind()) {
                case REQUEST, ONE_WAY -> admit(f);
                default -> refuse(ctx, "a " + f.getKind() + " frame where a call belongs");
            }
        }

        private void hello(ChannelHandlerContext ctx, RpcFrame f) {
            if (f.getKind() != FrameKind.HELLO || !f.getCluster().equals(clusterName) || f.getNode().isEmpty()) {
                refuse(ctx, f.getKind() != FrameKind.HELLO ? "no hello first"
                        : "a hello from cluster '" + f.getCluster() + "', not '" + clusterName + "'");
                return;
            }
            caller = f.getNode();
            try {
                callerAddress = f.getAddress().isEmpty() ? null : Address.parse(f.getAddress());
            } catch (IllegalArgumentException e) {
                callerAddress = null;
            }
        }

        private void refuse(ChannelHandlerContext ctx, String why) {
            rejectedFrames.incrementAndGet();
            log.warn("node {}: closing a call connection from {}: {}", nodeName,
                    caller != null ? caller : ctx.channel().remoteAddress(), why);
            ctx.close();
        }

        private void admit(RpcFrame f) {
            boolean oneWay = f.getKind() == FrameKind.ONE_WAY;
            ServiceRuntime.Local local = runtime.handler(f.getService());
            if (local == null) {
                error(f, oneWay, Kind.UNAVAILABLE, "node " + nodeName + " has no service '" + f.getService()
                        + "' (registered here: " + runtime.registered() + ")");
                return;
            }
            if (active.incrementAndGet() > config.maxInFlight()) {
                active.decrementAndGet();
                error(f, oneWay, Kind.OVERLOADED, "node " + nodeName + " runs " + config.maxInFlight()
                        + " calls from " + caller + " already (rpc.max-in-flight); call " + f.getService() + " refused");
                return;
            }
            running.incrementAndGet();
            long receivedNanos = System.nanoTime();
            try {
                handlers.execute(() -> serve(f, local, oneWay, receivedNanos));
            } catch (RejectedExecutionException e) {
                active.decrementAndGet();
                running.decrementAndGet();
                error(f, oneWay, Kind.CLOSED, "node " + nodeName + " is closing");
            }
        }

        private void serve(RpcFrame f, ServiceRuntime.Local local, boolean oneWay, long receivedNanos) {
            Counters c = runtime.counters(f.getService());
            try {
                Instant deadline = Instant.now().plusNanos(f.getTimeoutMicros() * 1000 - (System.nanoTime() - receivedNanos));
                if (!Instant.now().isBefore(deadline)) {
                    return; // the caller gave up already
                }
                byte[] payload = f.getDeflated() ? Frames.inflate(f.getPayload(), config.maxMessageBytes())
                        : f.getPayload().toByteArray();
                c.served.increment();
                Reply reply;
                try {
                    reply = local.handler().handle(new Request(payload, f.getHeadersMap()),
                            new CallContext(f.getService(), caller, callerAddress, deadline, oneWay, nodeName));
                } catch (RpcException e) {
                    c.serveErrors.increment();
                    throw e;
                } catch (Exception | StackOverflowError | AssertionError e) {
                    c.serveErrors.increment();
                    throw new RpcException(Kind.REMOTE, "service " + f.getService() + " on " + nodeName + " threw "
                            + e.getClass().getName() + ": " + e.getMessage());
                }
                if (oneWay) {
                    return;
                }
                if (reply == null) {
                    reply = Reply.EMPTY;
                }
                byte[] out = reply.payload();
                if (out.length > config.maxMessageBytes()) {
                    c.serveErrors.increment();
                    throw new RpcException(Kind.TOO_LARGE, "service " + f.getService() + " on " + nodeName
                            + " answered " + out.length + " bytes, over rpc.max-message-bytes ("
                            + config.maxMessageBytes() + ")");
                }
                RpcFrame.Builder r = RpcFrame.newBuilder().setKind(FrameKind.REPLY).setId(f.getId())
                        .putAllHeaders(reply.headers());
                if (config.compression() == RpcConfig.Compression.DEFLATE && out.length > config.compressAboveBytes()) {
                    r.setPayload(Frames.deflate(out)).setDeflated(true);
                } else {
                    r.setPayload(ByteString.copyFrom(out));
                }
                writer.offer(Frames.encode(r.build()));
            } catch (RpcException e) {
                error(f, oneWay, e.kind(), e.getMessage());
            } catch (RuntimeException e) {
                error(f, oneWay, Kind.REMOTE, "service " + f.getService() + " on " + nodeName + " failed: " + e);
            } finally {
                active.decrementAndGet();
                running.decrementAndGet();
            }
        }

        private void error(RpcFrame f, boolean oneWay, Kind kind, String message) {
            if (oneWay || closed) {
                return;
            }
            writer.offer(Frames.encode(RpcFrame.newBuilder().setKind(FrameKind.ERROR).setId(f.getId())
                    .setErrorKind(kind.name()).setError(message).build()));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof TooLongFrameException || cause.getCause() instanceof TooLongFrameException) {
                refuse(ctx, "a frame over rpc.max-message-bytes (" + config.maxMessageBytes() + ") plus "
                        + Frames.MAX_OVERHEAD_BYTES + " bytes of header");
            } else {
                log.debug("node {}: call connection error: {}", nodeName, cause.toString());
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            writer.discard();
            super.channelInactive(ctx);
        }
    }
}
