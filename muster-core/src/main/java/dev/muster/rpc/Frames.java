package dev.muster.rpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.muster.rpc.proto.RpcFrame;
import dev.muster.services.RpcException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/** Turns call frames into length-prefixed bytes and back, and (de)compresses payloads. Stateless. */
final class Frames {

    /** Room for a frame's id, service, headers and error beyond its payload. */
    static final int MAX_OVERHEAD_BYTES = 64 * 1024;

    private Frames() {}

    static ByteBuf encode(RpcFrame frame) {
        byte[] body = frame.toByteArray();
        ByteBuf out = Unpooled.buffer(4 + body.length);
        out.writeInt(body.length);
        out.writeBytes(body);
        return out;
    }

    static RpcFrame decode(ByteBuf frame) throws InvalidProtocolBufferException {
        CodedInputStream in = frame.nioBufferCount() == 1
                ? CodedInputStream.newInstance(frame.nioBuffer())
                : CodedInputStream.newInstance(io.netty.buffer.ByteBufUtil.getBytes(frame));
        try {
            return RpcFrame.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (java.io.IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
    }

    static ByteString deflate(byte[] payload) {
        Deflater d = new Deflater(Deflater.BEST_SPEED);
        try {
            d.setInput(payload);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, payload.length / 2));
            byte[] buf = new byte[8192];
            while (!d.finished()) {
                int n = d.deflate(buf);
                out.write(buf, 0, n);
            }
            return ByteString.copyFrom(out.toByteArray());
        } finally {
            d.end();
        }
    }

    /**
     * @throws RpcException TOO_LARGE when the payload inflates past {@code maxBytes} (so a small
     *     frame cannot blow up in memory), CODEC when it is not deflate data
     */
    static byte[] inflate(ByteString deflated, int maxBytes) {
        Inflater inf = new Inflater();
        try {
            inf.setInput(deflated.toByteArray());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new RpcException(RpcException.Kind.CODEC, "a compressed payload ended early");
                }
                if (out.size() + n > maxBytes) {
                    throw new RpcException(RpcException.Kind.TOO_LARGE, "a compressed payload inflates past "
                            + maxBytes + " bytes, the limit rpc.max-message-bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new RpcException(RpcException.Kind.CODEC, "a compressed payload is not deflate data: " + e.getMessage());
        } finally {
            inf.end();
        }
    }
}
