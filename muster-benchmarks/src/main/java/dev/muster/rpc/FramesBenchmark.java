package dev.muster.rpc;

import com.google.protobuf.ByteString;
import dev.muster.rpc.proto.FrameKind;
import dev.muster.rpc.proto.RpcFrame;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The call frame codec alone, as {@link CallClient} and {@link CallServer} use it per call:
 * build a request frame around the payload and encode it; decode a received frame and take its
 * payload out. It sits in {@code dev.muster.rpc} (in this module) because {@link Frames} is
 * package-private. Run with {@code -prof gc} to see the bytes each step allocates:
 *
 * <pre>java -jar muster-benchmarks/target/benchmarks.jar FramesBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class FramesBenchmark {

    @Param({"32", "4096"})
    int payloadBytes;

    private byte[] payload;
    private ByteBuf received;
    private long id;

    @Setup
    public void setUp() {
        payload = new byte[payloadBytes];
        ByteBuf encoded = Frames.encode(request(1));
        received = encoded.slice(4, encoded.readableBytes() - 4); // the decoder strips the length
    }

    private RpcFrame request(long callId) {
        return RpcFrame.newBuilder().setKind(FrameKind.REQUEST).setId(callId).setService("echo")
                .setTimeoutMicros(5_000_000).setPayload(ByteString.copyFrom(payload)).build();
    }

    /** A request frame built and encoded, as {@code CallClient.call} does. */
    @Benchmark
    public int encodeRequest() {
        ByteBuf b = Frames.encode(request(++id));
        int n = b.readableBytes();
        b.release();
        return n;
    }

    /** A frame decoded and its payload copied out, as the serving side does per call. */
    @Benchmark
    public byte[] decodeRequest() throws Exception {
        return Frames.decode(received.duplicate()).getPayload().toByteArray();
    }
}
