package dev.muster.wire;

import dev.muster.wire.WireException.Reason;

/**
 * A bounds-checked cursor over part of a byte array, for the hand-written framing. Every read
 * that would pass the end throws a {@link Reason#TRUNCATED} {@link WireException} naming what was
 * being read, so no {@link IndexOutOfBoundsException} can come out of a decode.
 *
 * <p>Not thread-safe: one reader per decode call, confined to the calling thread.
 */
final class ByteReader {

    /** A varint holds at most 64 bits, so at most 10 bytes of 7 bits. */
    private static final int MAX_VARINT_BYTES = 10;

    private final String kind;
    private final byte[] data;
    private final int start;
    private final int end;
    private int pos;

    /** {@code kind} ("packet", "frame") names the input in error messages. */
    ByteReader(String kind, byte[] data, int offset, int length) {
        this.kind = kind;
        this.data = data;
        this.start = offset;
        this.end = offset + length;
        this.pos = offset;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return end - pos;
    }

    /** One unsigned byte; {@code what} names it for the error ("protocol version"). */
    int readByte(String what) throws WireException {
        if (pos >= end) {
            throw truncated(what);
        }
        return data[pos++] & 0xFF;
    }

    /** An unsigned protobuf-style varint of up to 64 bits; compare the result with {@link Long#compareUnsigned}. */
    long readVarint(String what) throws WireException {
        long value = 0;
        for (int i = 0; i < MAX_VARINT_BYTES; i++) {
            if (pos >= end) {
                throw truncated(what);
            }
            int b = data[pos++] & 0xFF;
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new WireException(Reason.MALFORMED,
                kind + " " + what + " at byte " + (pos - start - MAX_VARINT_BYTES)
                        + " is a varint longer than " + MAX_VARINT_BYTES + " bytes");
    }

    /** Moves past {@code n} bytes that the caller checked against {@link #remaining()}. */
    void skip(int n) {
        if (n < 0 || n > remaining()) {
            throw new IllegalStateException("skip(" + n + ") with " + remaining() + " bytes left: the caller must check");
        }
        pos += n;
    }

    private WireException truncated(String what) {
        int read = pos - start;
        return new WireException(Reason.TRUNCATED,
                kind + " is truncated: it ends after " + read + " bytes, in or before its " + what);
    }
}
